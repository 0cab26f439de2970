// Command tfdagen writes a synthetic, full-size TFDA dataset-36 licence export in the
// official layout, for load tests and benchmarks:
//
//	go run ./cmd/tfdagen -rows 72000 -seed 1 -o /tmp/36_synthetic.csv
//	go run ./cmd/tfdagen -zip -o /tmp/36.zip    # a ZIP holding 36_2.csv, as the platform serves it
//	go run ./cmd/tfdagen -dataset 43 -rows 72000 -seed 1 -o /tmp/43_synthetic.csv # their ingredients
package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/civicbot/civicbot/ingest/tfda"
)

func main() {
	if err := run(context.Background(), os.Args, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tfdagen:", err)
		}
		os.Exit(1)
	}
}

// zipEntry is the name the TFDA platform gives the CSV inside export/36/csv.
const zipEntry = "36_2.csv"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	rows := fs.Int("rows", 72000, "number of rows (about one in twelve repeats a licence)")
	seed := fs.Int64("seed", 1, "random seed: the same seed writes the same file")
	out := fs.String("o", "-", "output file, - for standard output")
	asZip := fs.Bool("zip", false, "wrap the CSV in a ZIP as "+zipEntry)
	dataset := fs.String("dataset", "36", "36 (licences), or 43 (ingredients of the licences that -rows and -seed give dataset 36)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *rows < 0 {
		return fmt.Errorf("-rows %d: must not be negative", *rows)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	write, entryName := tfda.WriteSynthetic, zipEntry
	switch *dataset {
	case "36":
	case "43":
		write, entryName = tfda.WriteSyntheticIngredients, "43_2.csv"
	default:
		return fmt.Errorf("-dataset %q: want 36 or 43", *dataset)
	}

	var w io.Writer = stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		w = f
	}
	if !*asZip {
		return write(w, *rows, *seed)
	}
	zw := zip.NewWriter(w)
	entry, err := zw.CreateHeader(&zip.FileHeader{Name: entryName, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return err
	}
	if err := write(entry, *rows, *seed); err != nil {
		return err
	}
	return zw.Close()
}
