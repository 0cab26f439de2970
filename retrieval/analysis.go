package retrieval

import "slices"

// Analysis is what a search reads of a question, made once (Analyze) and passed down:
// the stores never read the question themselves.
type Analysis struct {
	// Text is the question normalised (Normalize); "" when nothing is left of it.
	Text string
	// Tokens are its content tokens (ContentTokens): what a passage must hold.
	Tokens []string
	// Synonyms are the tokens of the everyday and official words for what it says
	// (Expand), which widen the weighted keyword leg only.
	Synonyms []string
	// Associated are terms the corpus associates with its tokens (UseAssociations),
	// which widen the weighted keyword leg at a reduced weight.
	Associated []Associate
	// Appearance are the colour and shape tokens of a pill it describes
	// (AppearanceTokens).
	Appearance []string
	// Imprints are the codes that may be printed on a pill (ImprintTokens, specific);
	// LooseImprints also those (letters or digits alone) that only count together
	// with an appearance.
	Imprints, LooseImprints []string
	// Names are the spans that may name a medicine (NameSpans), Serials the licence
	// serials it may quote (LicenceSerials).
	Names, Serials []string
}

// Analyze reads a question once for a search.
func Analyze(question string) Analysis {
	text := Normalize(question)
	a := Analysis{Text: text}
	if text == "" {
		return a
	}
	a.Tokens = ContentTokens(text)
	if len(a.Tokens) > 0 {
		if syn := Expand(text); syn != "" {
			a.Synonyms = Tokens(syn)
		}
		a.Associated = associated(a.Tokens, slices.Concat(a.Tokens, a.Synonyms))
	}
	a.Appearance = AppearanceTokens(text)
	if len(a.Appearance) > 0 {
		a.LooseImprints = ImprintTokens(text, false)
	}
	a.Imprints = ImprintTokens(text, true)
	a.Names = NameSpans(text)
	a.Serials = LicenceSerials(text)
	return a
}
