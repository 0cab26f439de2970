package main

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// chromium returns the path of Chromium on PATH. Without one a browser test skips,
// except under CI=true, where it fails: run .ci/setup-chromium.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium on PATH (chromium, chromium-browser or google-chrome): run .ci/setup-chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startBrowser starts a headless Chromium with the flags the tests run it with, and
// returns its context: the browser lives until cancel (also called when t ends).
func startBrowser(t *testing.T, path string, width, height int) (context.Context, context.CancelFunc) {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(width, height))...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	cancel := func() { cancelBrowser(); cancelAlloc() }
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil { // the browser lives as long as bctx
		t.Fatalf("start %s: %v", path, err)
	}
	return bctx, cancel
}
