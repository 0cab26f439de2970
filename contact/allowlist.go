package contact

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

//go:embed allowlist.txt
var defaultList string

// List is the allow-list: the phone numbers and links an answer may carry, and the
// datasets whose own numbers and links are trusted.
type List struct {
	Version  string
	phones   map[string]bool // digits
	domains  []string
	datasets map[string]bool
	// Phones are the allowed numbers as the file writes them.
	Phones []string
}

// Default returns the embedded allow-list.
func Default() *List {
	l, err := Parse(defaultList)
	if err != nil {
		panic("contact: the embedded allow-list is invalid: " + err.Error())
	}
	return l
}

// Load reads an allow-list file (CIVICBOT_ALLOWLIST); "" means the embedded one.
func Load(path string) (*List, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("contact: allow-list: %w", err)
	}
	l, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("contact: allow-list %s: %w", path, err)
	}
	return l, nil
}

// Parse reads an allow-list in the format of the embedded allowlist.txt.
func Parse(s string) (*List, error) {
	l := &List{phones: map[string]bool{}, datasets: map[string]bool{}}
	sc := bufio.NewScanner(strings.NewReader(s))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		kind, value, _ := strings.Cut(line, " ")
		value = strings.TrimSpace(value)
		if value == "" {
			return nil, fmt.Errorf("line %d: %q has no value", n, kind)
		}
		switch kind {
		case "version":
			if l.Version != "" {
				return nil, fmt.Errorf("line %d: a second version", n)
			}
			l.Version = value
		case "phone":
			d := Digits(value)
			if len(d) < 3 || len(d) > 15 || strings.ContainsFunc(Fold(value), func(r rune) bool {
				return !strings.ContainsRune("0123456789 -()+", r)
			}) {
				return nil, fmt.Errorf("line %d: %q is not a phone number", n, value)
			}
			l.phones[d] = true
			l.Phones = append(l.Phones, value)
		case "domain":
			d := strings.ToLower(value)
			if m := linkRE.FindString(d); m != d && !isTLD(d) {
				return nil, fmt.Errorf("line %d: %q is not a domain", n, value)
			}
			l.domains = append(l.domains, d)
		case "dataset":
			if strings.ContainsAny(value, " \t") {
				return nil, fmt.Errorf("line %d: %q is not a dataset name", n, value)
			}
			l.datasets[value] = true
		default:
			return nil, fmt.Errorf("line %d: unknown entry %q (want version, phone, domain or dataset)", n, kind)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if l.Version == "" {
		return nil, errors.New("no version line")
	}
	return l, nil
}

func isTLD(d string) bool {
	return d != "" && !strings.ContainsFunc(d, func(r rune) bool { return r < 'a' || r > 'z' })
}

// Phone reports whether a number (its digits) is on the list.
func (l *List) Phone(digits string) bool { return l.phones[digits] }

// Trusted reports whether a dataset's own numbers and links are trusted.
func (l *List) Trusted(dataset string) bool { return l.datasets[dataset] }

// Domain reports whether links to host are allowed wherever they come from.
func (l *List) Domain(host string) bool {
	return slices.ContainsFunc(l.domains, func(d string) bool { return host == d || strings.HasSuffix(host, "."+d) })
}

// SameSite reports whether host belongs to the site of a source's URL: the same
// registrable domain (www.fda.gov.tw and mcp.fda.gov.tw, not example.gov.tw).
func SameSite(host, sourceURL string) bool {
	if host == "" || sourceURL == "" {
		return false
	}
	src := HostOf(NormalizeURL(sourceURL))
	a, err1 := publicsuffix.EffectiveTLDPlusOne(host)
	b, err2 := publicsuffix.EffectiveTLDPlusOne(src)
	if err1 != nil || err2 != nil {
		return host == src
	}
	return a == b
}

// LinkAllowed reports whether a link found in a source of the dataset at sourceURL may
// be given: on a listed domain, on the source's own site, or from a trusted dataset.
func (l *List) LinkAllowed(m Mention, dataset, sourceURL string) bool {
	return l.Domain(m.Host) || SameSite(m.Host, sourceURL) || l.Trusted(dataset)
}

// PhoneAllowed reports whether a phone number found in a source of the dataset may be
// given: every group or the whole of it on the list, or from a trusted dataset.
func (l *List) PhoneAllowed(m Mention, dataset string) bool {
	if l.Trusted(dataset) || l.Phone(m.Digits) {
		return true
	}
	return Partition(m.Groups, func(d string, _ int) bool { return l.Phone(d) })
}

// Partition reports whether groups (the digit groups of a run) split into numbers that
// ok accepts, each made of whole consecutive groups; ok is given the number and how
// many groups it spans. "1999 1925" are two help lines, not one unknown number.
func Partition(groups []string, ok func(digits string, n int) bool) bool {
	can := make([]bool, len(groups)+1)
	can[0] = true
	for i := 1; i <= len(groups); i++ {
		for j := 0; j < i && !can[i]; j++ {
			can[i] = can[j] && ok(strings.Join(groups[j:i], ""), i-j)
		}
	}
	return can[len(groups)]
}
