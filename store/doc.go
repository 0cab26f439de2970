// Package store names the two stores of civicbot, each a package below this one:
//
//   - memstore, the embedded store of the default (one process, a data directory);
//   - pgstore, PostgreSQL with pgvector, for replicas behind a load balancer.
//
// Both keep the whole application's data: the corpus as ingested (records,
// documents, passages and their vectors), conversations and feedback, curated
// answers, staff, sessions, tokens, the audit log and LINE's outbox. Search is not
// theirs: retrieval.Search analyses a question once, and fuses and reranks what a
// store's retrieval.Index fetches (the words' counts, each leg's candidates in the
// order the plan asks, the loaded passages), so both stores answer a question alike
// (store/paritytest checks it). Only cmd/civicbot
// wires a store to the rest (layers_test.go).
package store
