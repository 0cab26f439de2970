package bot

import (
	"strings"

	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

// Suggestion is a record's own question offered with a declined answer: what search
// found that the citizen may have meant, which the gate would not answer from. Asking
// it (a tap on LINE or in the widget) answers from the record, so a question asked in
// other words than the record's is one step from its answer, and no claim is made that
// the record answers what was asked.
type Suggestion struct {
	Dataset string `json:"dataset"`
	Key     string `json:"key"`
	Title   string `json:"title"`
}

// maxSuggestions is the most offered: more is a search results page, not a question.
const maxSuggestions = 3

// suggestTitleShare is the least share of a record's own question that the citizen's
// holds (retrieval.TitleMatch) for the record to be offered. Measured on the
// development sets' declined questions (bot/outcome_test.go): at 0.25, 8 questions
// were offered their right record, 2 only other records, and 14 of the questions the
// data cannot answer were offered something; at 0.2, 9, 9 and 18; with no floor but a
// shared subject, 6, 11 and 28.
const suggestTitleShare = 0.25

// suggestions picks, from the candidates of a declined question, the passages (city
// FAQs, myths, articles: records whose title is a question) whose own question the
// citizen's holds a good part of (suggestTitleShare), about something besides the
// aspect asked (SubjectMatch: «要帶什麼證件» alone is not a subject). Licences are not
// offered: their titles are brand names, and a medicine is found by naming it. For a
// medicine question a city FAQ is not offered, as it is not answered from.
func suggestions(q string, hits []retrieval.Hit, medicine bool) []retrieval.Hit {
	var out []retrieval.Hit
	seen := map[string]bool{}
	for _, h := range hits {
		if len(out) == maxSuggestions {
			break
		}
		title := strings.TrimSpace(h.Title)
		if h.Dataset == corpus.DatasetDrug || h.Confidence <= 0 || title == "" || seen[title] || (medicine && h.Dataset == corpus.DatasetCityFAQ) {
			continue
		}
		if ts, _ := retrieval.TitleMatch(q, title); ts < suggestTitleShare {
			continue
		}
		if _, qs := retrieval.SubjectMatch(q, title); qs <= 0 {
			continue
		}
		seen[title] = true
		h.Title = title
		out = append(out, h)
	}
	return out
}
