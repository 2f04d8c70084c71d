package main

import "testing"

func TestParseOperation(t *testing.T) {
	tests := []struct {
		in     string
		want   Operation
		wantOK bool
	}{
		{"fill: Welder x2 in Toledo, OH", Operation{"Welder", 2, "Toledo, OH"}, true},
		{"fill: X x1 in A, B", Operation{"X", 1, "A, B"}, true},
		{"fill: X x01 in A", Operation{"X", 1, "A"}, true},
		{"fill: X x0000000000000000000000007 in A", Operation{"X", 7, "A"}, true},
		{"fill: X x2147483647 in A", Operation{"X", 2147483647, "A"}, true},
		{"fill: Forklift Operator x3 in Toledo", Operation{"Forklift Operator", 3, "Toledo"}, true},
		// split at the last " in ", then at the last " x"
		{"fill: Join in x2 in Toledo in OH", Operation{}, false},
		{"fill: A x1 x2 in B", Operation{"A x1", 2, "B"}, true},
		{"fill: A x1 in B in C", Operation{}, false},
		{"fill: Mixer x5 in Linz", Operation{"Mixer", 5, "Linz"}, true},
		{"fill: X x1 in  in", Operation{"X", 1, " in"}, true},
		// count
		{"fill: X x0 in A", Operation{}, false},
		{"fill: X x00 in A", Operation{}, false},
		{"fill: X x2147483648 in A", Operation{}, false},
		{"fill: X x99999999999999999999999 in A", Operation{}, false},
		{"fill: X x+1 in A", Operation{}, false},
		{"fill: X x-1 in A", Operation{}, false},
		{"fill: X x in A", Operation{}, false},
		{"fill: X x1a in A", Operation{}, false},
		{"fill: X x 1 in A", Operation{}, false},
		{"fill: X x١ in A", Operation{}, false}, // Arabic-Indic digit one
		{"fill: X x１ in A", Operation{}, false}, // fullwidth digit one
		// role and place non-empty
		{"fill:  x1 in A", Operation{}, false},
		{"fill: X x1 in ", Operation{}, false},
		// missing pieces
		{"fill: X x1", Operation{}, false},
		{"fill: X 1 in A", Operation{}, false},
		{"fill:X x1 in A", Operation{}, false},
		{"fill: ", Operation{}, false},
		{"Fill: X x1 in A", Operation{}, false},
		{"", Operation{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseOperation(tt.in)
		if ok != tt.wantOK || got != tt.want {
			t.Errorf("ParseOperation(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestAsPositiveInt(t *testing.T) {
	tests := []struct {
		in     any
		want   int
		wantOK bool
	}{
		{float64(1), 1, true},
		{float64(2147483647), 2147483647, true},
		{float64(2147483648), 0, false},
		{float64(0), 0, false},
		{float64(-1), 0, false},
		{1.5, 0, false},
		{"1", 0, false},
		{nil, 0, false},
		{true, 0, false},
	}
	for _, tt := range tests {
		got, ok := asPositiveInt(tt.in)
		if ok != tt.wantOK || got != tt.want {
			t.Errorf("asPositiveInt(%#v) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
