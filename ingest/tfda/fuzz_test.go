package tfda_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civicbot/civicbot/ingest"
)

// fuzzRead runs a reader on arbitrary bytes: it may fail, but never panic, never emit
// a record without a key, never reject at a line before the first.
func fuzzRead(t *testing.T, name string, data []byte) {
	f := format(t, name)
	_ = f.Read(context.Background(), bytes.NewReader(data), ingest.Emit{
		Record: func(r ingest.Record) error {
			if strings.TrimSpace(r.Key) == "" {
				t.Errorf("record with empty key at line %d", r.Line)
			}
			if r.Line < 1 {
				t.Errorf("record %q at line %d", r.Key, r.Line)
			}
			return nil
		},
		Reject: func(line int, reason string) {
			if line < 1 {
				t.Errorf("reject %q at line %d", reason, line)
			}
		},
	})
}

func FuzzReadLicences(f *testing.F) {
	f.Add(synthetic(f, 6, 1))
	sample, err := os.ReadFile(filepath.Join(dataDir, "36_sample.csv"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample[:2048])
	f.Add([]byte(csvFile(licenceHeader, `"a","","短"`, `"b`)))
	f.Add([]byte(csvFile(licenceHeader, licenceRow("許可證字號", "x", "中文品名", `"福元"`), `"x",""" x"`)))
	f.Add([]byte("\uFEFF許可證字號,註銷狀態,中文品名\n,,\na,b,c\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "tfda-licences", data) })
}

func FuzzReadLicencesJSON(f *testing.F) {
	f.Add([]byte(`[{"許可證字號":"衛署藥製字第000001號","註銷狀態":null,"中文品名":"一號錠","包裝":"盒裝;;瓶裝"}]`))
	f.Add([]byte(`[{"許可證字號":"a","註銷狀態":"","中文品名":"x"},{"許可證字號":{"x":1}},7,null,{"許可證字號":" "}]`))
	f.Add([]byte(`[{"許可證字號":"a","註銷狀態":"","中文品名":"x"},{"許可證字號":"b","中`))
	f.Add([]byte(`{"許可證字號":"a"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"許可證字號":12,"註銷狀態":true,"中文品名":1.5e3}]`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "tfda-licences", data) })
}
