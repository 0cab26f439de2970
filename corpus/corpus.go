// Package corpus is the vocabulary every layer shares about the documents civicbot
// answers from: the names of their datasets, their statuses and their facets, and the
// facets' fields as Go types. It holds names and their readings only, no parsing and
// no storage, so that the bot, the channels, the stores and the staff side can name a
// dataset or read a facet without importing the parsers of package ingest.
package corpus

// Datasets, as shown to citizens beside every source.
const (
	DatasetDrug    = "tfda_drug"    // TFDA licences 36/37 with facets 39, 41, 42, 43
	DatasetMyth    = "tfda_myth"    // TFDA 159 食藥闢謠專區
	DatasetArticle = "tfda_article" // TFDA 190 食藥好文網懶人包
	DatasetCityFAQ = "taipei_faq"   // Taipei city FAQ
	DatasetPage    = "agency_page"  // an agency's own Markdown/HTML pages
)

// Facets of a drug document. A reader of a dataset that describes whole documents
// (FAQ, Q&A) uses FacetMain.
const (
	FacetMain        = "main"
	FacetLicence     = "licence"     // 36 / 37
	FacetAppearance  = "appearance"  // 42
	FacetATC         = "atc"         // 41
	FacetIngredients = "ingredients" // 43
	FacetInsert      = "insert"      // 39
)

// AskedLabel labels the line of a record's text that holds the questions citizens ask
// it in their own words (Main.Asked): text for finding the record, never quoted.
const AskedLabel = "常見問法"

// Status is a document's standing.
type Status string

const (
	StatusActive     Status = "active"
	StatusCancelled  Status = "cancelled"  // a licence 註銷 or 廢止
	StatusStale      Status = "stale"      // past its end date
	StatusSuppressed Status = "suppressed" // hidden by staff; survives re-ingest
	// StatusFlagged holds a document out of search and answers until staff release it:
	// screening found instructions aimed at an assistant, or numbers or links the
	// allow-list does not allow. A release is of one content (the document's hash): it
	// survives re-ingest of the same content; changed content is screened again.
	StatusFlagged Status = "flagged"
)
