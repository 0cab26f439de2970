package opendata

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/civicbot/civicbot/ingest"
)

// Load reads the bundled exports with formats, each dated as Snapshots says (or as the
// loader dates it), ready to sync. progress, if not nil, hears how far each file is read.
func Load(ctx context.Context, formats []ingest.Format, progress func(file string, done, total int64)) ([]*ingest.Batch, error) {
	// The loader reads files from disk: the bundled ones are copied there first.
	dir, err := os.MkdirTemp("", "civicbot-opendata-")
	if err != nil {
		return nil, fmt.Errorf("bundled data: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, FS); err != nil {
		return nil, fmt.Errorf("bundled data: %w", err)
	}
	var files []string
	err = fs.WalkDir(FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) != ".md" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bundled data: %w", err)
	}
	var out []*ingest.Batch
	for _, f := range files {
		// One loader per file: each export has its own date.
		l := &ingest.Loader{Formats: formats}
		if d, ok := Snapshots[f]; ok {
			if l.Snapshot, err = time.Parse(time.DateOnly, d); err != nil {
				return nil, fmt.Errorf("bundled data: %s: %w", f, err)
			}
		}
		if progress != nil {
			l.Progress = func(_ string, done, total int64) { progress(f, done, total) }
		}
		bs, err := l.Load(ctx, filepath.Join(dir, filepath.FromSlash(f)))
		if err != nil {
			return nil, fmt.Errorf("bundled data: %w", err)
		}
		out = append(out, bs...)
	}
	return out, nil
}
