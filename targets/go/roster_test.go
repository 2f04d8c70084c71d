package main

import (
	"reflect"
	"testing"
)

func TestNewRosterKeepsOrderAndLaterDuplicateWins(t *testing.T) {
	r := NewRoster([]Worker{
		{ID: "W-2", Name: "Ben", City: "Akron", Role: "Welder"},
		{ID: "W-1", Name: "Ada", City: "Toledo", Role: "Painter"},
		{ID: "W-2", Name: "Bea", City: "Dayton", Role: "Machinist"},
	})
	if ids := workerIDs(workerPage{Workers: r.Workers()}); !reflect.DeepEqual(ids, []string{"W-2", "W-1"}) {
		t.Errorf("order = %v, want [W-2 W-1]", ids)
	}
	if w, _ := r.Lookup("W-2"); w.Name != "Bea" {
		t.Errorf("Lookup(W-2).Name = %q, want Bea", w.Name)
	}
	if !r.HasCity("Dayton") || r.HasCity("Akron") {
		t.Errorf("HasCity: Dayton %v, Akron %v; want true, false", r.HasCity("Dayton"), r.HasCity("Akron"))
	}
	if !r.HasRole("Machinist") || r.HasRole("Welder") {
		t.Errorf("HasRole: Machinist %v, Welder %v; want true, false", r.HasRole("Machinist"), r.HasRole("Welder"))
	}
}
