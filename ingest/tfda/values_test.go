package tfda

import (
	"slices"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" when it must not parse
	}{
		{"2023/08/16", "2023-08-16"},
		{"2023/8/6", "2023-08-06"},
		{"2016-04-27", "2016-04-27"},
		{"2016-04-27 14:03:00", "2016-04-27"},
		{"2016-04-27T14:03:00+08:00", "2016-04-27"},
		{"11 17 2016", "2016-11-17"}, // 159: month day year
		{"03 1 2017", "2017-03-01"},
		{"20161117", "2016-11-17"},
		{" 2020/01/02 ", "2020-01-02"},
		{"", ""},
		{"不明", ""},
		{"2023/02/30", ""},
		{"13 01 2016", ""},
		{"17 11 2016", ""},
		{"0000/00/00", ""},
		{"2016/11", ""},
		{"1141117", ""}, // ROC calendar: not in these exports
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if tt.want == "" {
			if ok {
				t.Errorf("parseDate(%q) = %v, want no date", tt.in, got)
			}
			continue
		}
		if !ok || got.Format(time.DateOnly) != tt.want {
			t.Errorf("parseDate(%q) = %v, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
}

func TestSplitMulti(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"罐裝;;瓶裝", []string{"罐裝", "瓶裝"}},
		{"白;;;透明", []string{"白", "透明"}},
		{"白;;;白", []string{"白"}},
		{" A ;; ;;B;;;;C;", []string{"A", "B", "C;"}},
		{"SODIUM;POTASSIUM", []string{"SODIUM;POTASSIUM"}},
	}
	for _, tt := range tests {
		if got := splitMulti(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitMulti(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitLinks(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"https://a/1?c=o;;;https://a/2?c=o", []string{"https://a/1?c=o", "https://a/2?c=o"}},
		{"https://a/1;https://a/2;;https://a/1", []string{"https://a/1", "https://a/2"}},
		{"https://a/x;jsessionid=1;;https://a/2", []string{"https://a/x;jsessionid=1", "https://a/2"}},
	}
	for _, tt := range tests {
		if got := splitLinks(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitLinks(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTrimNumber(t *testing.T) {
	for in, want := range map[string]string{
		"200.000000": "200", "50.500000": "50.5", "0.000": "0", "8": "8", "": "", "1.2.3": "1.2.3", " 7.50 ": "7.5", "EQ 5.0": "EQ 5.0",
	} {
		if got := trimNumber(in); got != want {
			t.Errorf("trimNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIDFromName(t *testing.T) {
	for name, want := range map[string]string{
		"36_2.csv": "36", "37_2.csv": "37", "42_5.json": "42", "159.csv": "159", "190.CSV": "190",
		"/tmp/x/43_2.csv": "43", `C:\data\41_2.csv`: "41", "36_sample.csv": "36", "39-2.json": "39",
		"36.xml": "", "360.csv": "", "36abc.csv": "", "faq.csv": "", "": "", "x36_2.csv": "",
	} {
		if got := idFromName(name); got != want {
			t.Errorf("idFromName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestLicenceColumns(t *testing.T) {
	if len(licenceColumns) != 28 || len(licenceTable.cols) != lColumns {
		t.Fatalf("%d columns, table %d, constants %d", len(licenceColumns), len(licenceTable.cols), lColumns)
	}
	for i, want := range map[int]string{lKey: "許可證字號", lNameZH: "中文品名", lPackages: "包裝", lIngredients: "主成分略述", lChangedOn: "異動日期", lPackagesBarcodes: "包裝與國際條碼", lBarcodes: "國際條碼"} {
		if licenceTable.cols[i] != want {
			t.Errorf("column %d is %s, want %s", i, licenceTable.cols[i], want)
		}
	}
}
