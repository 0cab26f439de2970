package bot

import (
	"reflect"
	"testing"

	"github.com/civicbot/civicbot/conversation"
	"github.com/civicbot/civicbot/corpus"
	"github.com/civicbot/civicbot/retrieval"
)

func TestPillImages(t *testing.T) {
	pill := retrieval.Hit{Dataset: corpus.DatasetDrug, Key: "衛署藥製字第010168號", Title: "特佳錠", Facets: map[string]any{
		corpus.FacetAppearance: map[string]any{"items": []any{
			map[string]any{"color": []any{"白"}, "shape": []any{"圓形"}, "mark1": "YSP 49", "images": []any{"https://mcp.fda.gov.tw/insert/shapeImg/a"}},
			map[string]any{"color": []any{"黃"}, "shape": []any{"橢圓形"}}, // no photo: no image
		}},
	}}
	for _, tc := range []struct {
		name    string
		hit     retrieval.Hit
		english bool
		want    []conversation.Image
	}{
		{"zh", pill, false, []conversation.Image{{URL: "https://mcp.fda.gov.tw/insert/shapeImg/a", Alt: "特佳錠，外觀：白色 圓形，標註：YSP 49"}}},
		{"en", pill, true, []conversation.Image{{URL: "https://mcp.fda.gov.tw/insert/shapeImg/a", Alt: "特佳錠, appearance: 白 圓形, imprint: YSP 49"}}},
		{"not a drug", retrieval.Hit{Dataset: corpus.DatasetCityFAQ, Facets: pill.Facets}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pillImages(tc.hit, tc.english); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("pillImages = %+v, want %+v", got, tc.want)
			}
			if got := sources([]retrieval.Hit{tc.hit}, tc.english)[0].Images; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("sources()[0].Images = %+v, want %+v", got, tc.want)
			}
		})
	}
}
