package bot

import (
	"context"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

// A city FAQ or a myth is itself a question: when the search's evidence for the best
// hit is too weak by the word-level gate (answerable), a citizen's question that
// matches a record's own question closely enough, character by character, is
// answered from that record. Measured on the development sets (testdata/eval, and
// bot/testdata/declined.jsonl for questions the data cannot answer): the best of the
// five by the sum of both shares of retrieval.TitleMatch, from these floors, turned
// 8 false declines into right answers, none into a wrong one, and answered none of
// the 21 questions without a source.
const (
	// titleMatchSum is the floor of the sum of the title's share held by the question
	// and the question's share held by the title.
	titleMatchSum = 0.9
	// titleShare is the floor of the title's share: most of the record's own question
	// is asked («健保卡密碼忘記了» holds 密碼 and 忘記 of a FAQ on a citizen
	// certificate's password, not the certificate).
	titleShare = 0.4
	// questionShare is the floor of the question's share: a long question wrapped
	// round a short title still says some of it.
	questionShare = 0.2
)

// questionMatch returns the index of the passage among hits whose own question (its
// title, or one of the questions citizens ask it in: Hit.Questions) best matches q,
// when it matches well enough, and is about some of what q is about; -1 when none
// does. Licences are not passages: their titles are brands, matched by search's name
// evidence. For a medicine question a city FAQ is not a match (a question about
// medicines is not answered from one that shares words with it).
func questionMatch(q string, hits []retrieval.Hit, medicine bool) int {
	best, bestScore := -1, 0.0
	m := retrieval.NewQuestionMatcher(q)
	for i, h := range hits {
		if h.Dataset == corpus.DatasetDrug || h.Confidence <= 0 || (medicine && h.Dataset == corpus.DatasetCityFAQ) {
			continue
		}
		asked, ts, qs := m.Best(h.Questions())
		if ts < titleShare || qs < questionShare || ts+qs < titleMatchSum {
			continue
		}
		if _, about := retrieval.Coverage(q, asked, asked); about <= 0 {
			continue
		}
		if ts+qs > bestScore {
			best, bestScore = i, ts+qs
		}
	}
	return best
}

// A passage whose score is well ahead of the next candidate's is what search agrees
// on, although the question's words found are too few for the word-level gate: a
// myth's or FAQ's own question in other words («溏心蛋» for «半熟的蛋»). It is
// answered when it also asks some of the citizen's question (TitleMatch) and its title
// is about some of it. Measured on the development sets (below).
const (
	// clearLead is the least ratio of the best passage's score to the next one's.
	clearLead = 1.4
	// leadTitleMatch is the least sum of TitleMatch's shares for a passage answered
	// by its lead.
	leadTitleMatch = 0.5
)

// clearlyAhead reports whether the best hit is a passage well ahead of the next
// candidate (clearLead) that asks some of q (leadTitleMatch), shares some of what q is
// about, not only the aspect asked (SubjectMatch: «機車駕照考試要帶什麼證件» and a FAQ
// on what to bring for a pension cheque share nothing else), and whose title holds
// some of its concepts. For a medicine question a city FAQ never is.
func clearlyAhead(q string, hits []retrieval.Hit, medicine bool) bool {
	if len(hits) < 2 {
		return false
	}
	h := hits[0]
	if h.Dataset == corpus.DatasetDrug || h.Confidence <= 0 || (medicine && h.Dataset == corpus.DatasetCityFAQ) || h.Score < clearLead*hits[1].Score {
		return false
	}
	if ts, qs := retrieval.TitleMatch(q, h.Title); ts+qs < leadTitleMatch {
		return false
	}
	if _, qs := retrieval.SubjectMatch(q, h.Title); qs <= 0 {
		return false
	}
	_, about := retrieval.Coverage(q, h.Title, h.Title)
	return about > 0
}

// byQuestionMatch returns hits led by the passage whose question matches q
// (questionMatch), read whole, or nil when none does.
func (e *Engine) byQuestionMatch(ctx context.Context, q string, hits []retrieval.Hit, medicine bool) ([]retrieval.Hit, error) {
	if len(hits) == 0 || hits[0].Dataset == corpus.DatasetDrug {
		return nil, nil
	}
	i := questionMatch(q, hits, medicine)
	if i < 0 {
		return nil, nil
	}
	h := hits[i]
	if i > 0 {
		full, ok, err := e.whole(ctx, h)
		if err != nil || !ok {
			return nil, err
		}
		h = full
	}
	out := append([]retrieval.Hit{h}, hits[:i]...)
	return append(out, hits[i+1:]...), nil
}

// A passage with questions citizens ask it in answers when one of the questions it is
// asked by (its title, or one citizens ask it in) shares enough of what the citizen's
// question is about (retrieval.SubjectMatch): the citizen's question holds askedSubject
// of its subject, or it holds askedQuestion of the citizen's. Measured on the
// development questions (testdata/eval, unlike.jsonl, formerheldout.jsonl,
// declined.jsonl; 443 passages answered: 378 right, 44 wrong, 21 to questions without a
// source), the answers each floor would decline:
//
//	only askedSubject 0.34                 5 right, 3 wrong, 11 without a source
//	askedSubject 0.4 or askedQuestion 0.5  0 right, 1 wrong, 9
//	askedSubject 0.4 or askedQuestion 0.6  0 right, 2 wrong, 12
//	askedSubject 0.4 or askedQuestion 0.67 2 right, 2 wrong, 13
//
// The second floor lets a short question through («孕婦補助» holds little of any of the
// record's questions, and all of it is in one).
const (
	askedSubject  = 0.4
	askedQuestion = 0.6
)

// asksAlike reports whether h, when it is a passage with questions citizens ask it in,
// is asked by one that shares what the citizen's question q is about (askedSubject,
// askedQuestion): a FAQ that shares only the aspect asked and a word with q
// («社會住宅要怎麼抽籤», a FAQ on applying for the city's low-rent flats) has none. A
// passage without them, and a licence, are left to the other rules: an agency's own
// words are official, and the share of them a citizen's question holds says less.
func asksAlike(q string, h retrieval.Hit) bool {
	questions := h.Questions()
	if h.Dataset == corpus.DatasetDrug || len(questions) < 2 {
		return true
	}
	m := retrieval.NewQuestionMatcher(q)
	for _, x := range questions {
		if ts, qs := m.Subject(x); ts >= askedSubject || qs >= askedQuestion {
			return true
		}
	}
	return false
}
