package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"
)

// decodeJSON asserts a JSON answer and decodes it into v.
func decodeJSON(t *testing.T, body []byte, contentType string, v any) {
	t.Helper()
	if contentType != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", contentType)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("response is not JSON: %v; body %s", err, body)
	}
}

// checkErrorBody asserts status and the body {"error": want}.
func checkErrorBody(t *testing.T, h http.Handler, path string, status int, want *ValidationError) {
	t.Helper()
	rec := do(t, h, http.MethodGet, path, "")
	if rec.Code != status {
		t.Fatalf("GET %s = %d, want %d; body %s", path, rec.Code, status, rec.Body)
	}
	var got struct{ Error *ValidationError }
	decodeJSON(t, rec.Body.Bytes(), rec.Header().Get("Content-Type"), &got)
	if got.Error == nil || *got.Error != *want {
		t.Errorf("GET %s error = %+v, want %+v", path, got.Error, *want)
	}
}

func TestGetWorker(t *testing.T) {
	h := newTestServer(t, false)
	tests := []struct {
		path string
		want Worker
	}{
		{"/v1/workers/W-1", Worker{ID: "W-1", Name: "Ada Brooks", City: "Toledo", Role: "Welder"}},
		{"/v1/workers/W%2D48", Worker{ID: "W-48", Name: "Zoe Khan", City: "Detroit", Role: "Forklift Operator"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tt.path, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			var got Worker
			decodeJSON(t, rec.Body.Bytes(), rec.Header().Get("Content-Type"), &got)
			if got != tt.want {
				t.Errorf("worker = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGetWorkerUnknown(t *testing.T) {
	h := newTestServer(t, false)
	tests := []struct {
		segment string
		id      string
	}{
		{"W-99", "W-99"},
		{"w-1", "w-1"},
		{"W-01", "W-01"},
		{"W-1%20", "W-1 "},
		{"W-1%2Fx", "W-1/x"},
	}
	for _, tt := range tests {
		t.Run(tt.segment, func(t *testing.T) {
			checkErrorBody(t, h, "/v1/workers/"+tt.segment, http.StatusNotFound, consistencyErr("id", "unknown worker "+tt.id))
		})
	}
}

func TestResourceErrorWireShape(t *testing.T) {
	tests := []struct {
		name  string
		serde bool
		want  string
	}{
		{"go", false, `{"error":{"Kind":"consistency","Field":"id","Reason":"unknown worker W-0"}}` + "\n"},
		{"serde", true, `{"error":{"Consistency":{"field":"id","reason":"unknown worker W-0"}}}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, newTestServer(t, tt.serde), http.MethodGet, "/v1/workers/W-0", "")
			if rec.Code != http.StatusNotFound || rec.Body.String() != tt.want {
				t.Errorf("got %d %s, want 404 %s", rec.Code, rec.Body, tt.want)
			}
		})
	}
}

func workerIDs(p workerPage) []string {
	ids := []string{}
	for _, w := range p.Workers {
		ids = append(ids, w.ID)
	}
	return ids
}

func TestListWorkers(t *testing.T) {
	first20 := []string{}
	for n := 1; n <= 20; n++ {
		first20 = append(first20, fmt.Sprintf("W-%d", n))
	}
	tests := []struct {
		query  string
		total  int
		limit  int
		offset int
		ids    []string
	}{
		{"", 48, 20, 0, first20},
		{"city=Toledo", 8, 20, 0, []string{"W-1", "W-7", "W-13", "W-19", "W-25", "W-31", "W-37", "W-43"}},
		{"city=Akron&role=Welder", 2, 20, 0, []string{"W-5", "W-41"}},
		{"role=Painter&role=Welder&city=Toledo", 3, 20, 0, []string{"W-1", "W-31", "W-37"}},
		{"role=Welder&role=Welder&city=Toledo", 2, 20, 0, []string{"W-1", "W-37"}},
		{"role=Forklift+Operator&city=Toledo", 2, 20, 0, []string{"W-7", "W-43"}},
		{"role=Forklift%20Operator&city=Toledo", 2, 20, 0, []string{"W-7", "W-43"}},
		{"city=Toledo&limit=2&offset=1", 8, 2, 1, []string{"W-7", "W-13"}},
		{"city=Toledo&limit=01&offset=007", 8, 1, 7, []string{"W-43"}},
		{"city=Toledo&offset=8", 8, 20, 8, []string{}},
		{"offset=2147483647", 48, 20, 2147483647, []string{}},
		{"limit=100&offset=46", 48, 100, 46, []string{"W-47", "W-48"}},

		// an empty city, limit or offset counts as absent; unknown parameters are ignored
		{"city=", 48, 20, 0, first20},
		{"limit=&offset=", 48, 20, 0, first20},
		{"city&limit&offset", 48, 20, 0, first20},
		{"other=1", 48, 20, 0, first20},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, "/v1/workers?"+tt.query, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", rec.Code, rec.Body)
			}
			var got workerPage
			decodeJSON(t, rec.Body.Bytes(), rec.Header().Get("Content-Type"), &got)
			if got.Total != tt.total || got.Limit != tt.limit || got.Offset != tt.offset {
				t.Errorf("total, limit, offset = %d, %d, %d, want %d, %d, %d",
					got.Total, got.Limit, got.Offset, tt.total, tt.limit, tt.offset)
			}
			if ids := workerIDs(got); !reflect.DeepEqual(ids, tt.ids) {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
		})
	}
}

func TestListWorkersEmptyPageIsAnArray(t *testing.T) {
	rec := do(t, newTestServer(t, false), http.MethodGet, "/v1/workers?offset=48", "")
	if want := `{"workers":[],"total":48,"limit":20,"offset":48}` + "\n"; rec.Body.String() != want {
		t.Errorf("body = %s, want %s", rec.Body, want)
	}
}

func TestListWorkersBadValues(t *testing.T) {
	const limit = "expected integer between 1 and 100"
	const offset = "expected integer >= 0"
	tests := []struct {
		query string
		want  *ValidationError
	}{
		{"city=Tokyo", consistencyErr("city", "unknown city Tokyo")},
		{"city=toledo", consistencyErr("city", "unknown city toledo")},
		{"city=Welder", consistencyErr("city", "unknown city Welder")},
		{"role=", consistencyErr("role[0]", "unknown role ")},
		{"role=Welder&role=Chef", consistencyErr("role[1]", "unknown role Chef")},
		{"role=Welder,Painter", consistencyErr("role[0]", "unknown role Welder,Painter")},
		{"limit=0", schemaErr("limit", limit)},
		{"limit=101", schemaErr("limit", limit)},
		{"limit=-1", schemaErr("limit", limit)},
		{"limit=%2B1", schemaErr("limit", limit)},
		{"limit=1.0", schemaErr("limit", limit)},
		{"limit=1e1", schemaErr("limit", limit)},
		{"limit=%201", schemaErr("limit", limit)},
		{"limit=ten", schemaErr("limit", limit)},
		{"limit=99999999999999999999", schemaErr("limit", limit)},
		{"offset=-1", schemaErr("offset", offset)},
		{"offset=-0", schemaErr("offset", offset)},
		{"offset=x", schemaErr("offset", offset)},
		{"offset=2147483648", schemaErr("offset", offset)},

		// city, then each role, then limit, then offset
		{"offset=x&limit=0&role=Chef&city=Tokyo", consistencyErr("city", "unknown city Tokyo")},
		{"offset=x&limit=0&role=Chef", consistencyErr("role[0]", "unknown role Chef")},
		{"offset=x&limit=0", schemaErr("limit", limit)},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			checkErrorBody(t, h, "/v1/workers?"+tt.query, http.StatusBadRequest, tt.want)
		})
	}
}

func TestParseDigits(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"0", 0, true},
		{"007", 7, true},
		{"2147483647", 2147483647, true},
		{"2147483648", 0, false},
		{"", 0, false},
		{"+1", 0, false},
		{"-0", 0, false},
		{"1 ", 0, false},
		{"١", 0, false},
	}
	for _, tt := range tests {
		if got, ok := parseDigits(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("parseDigits(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestResourceMethods(t *testing.T) {
	tests := []struct {
		method string
		path   string
	}{
		{http.MethodPost, "/v1/workers"},
		{http.MethodDelete, "/v1/workers/W-1"},
		{http.MethodGet, "/v1/clients/C-1/fills"},
		{http.MethodPut, "/v1/clients/C-1/fills"},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			if rec := do(t, h, tt.method, tt.path, ""); rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("status = %d, want 405", rec.Code)
			}
		})
	}
}
