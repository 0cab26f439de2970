// Package opendata bundles copies of real government open data, so that civicbot answers
// questions on a fresh machine and the tests run on what the agencies really publish.
//
// Licence: Open Government Data License, Taiwan, version 1.0 (政府資料開放授權條款－第1版),
// compatible with CC BY 4.0. See ATTRIBUTION.md.
package opendata

import "embed"

// FS holds tfda/ (衛生福利部食品藥物管理署) and taipei/ (臺北市政府) exports.
//
//go:embed tfda taipei
var FS embed.FS

// Snapshots are the dates of the bundled exports whose rows do not date them: the day
// the agency's file was written (36) or, for 42, the day the copy was taken. The
// other files are dated by their newest record.
var Snapshots = map[string]string{
	"tfda/36_sample.csv": "2026-09-29",
	"tfda/42_5.json":     "2026-11-28",
}
