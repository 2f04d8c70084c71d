package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func newTestServer(t *testing.T, serdeErrors bool) http.Handler {
	t.Helper()
	roster, err := LoadRoster("../roster.json")
	if err != nil {
		t.Fatalf("LoadRoster: %v", err)
	}
	return newServer(roster, serdeErrors).routes()
}

func do(t *testing.T, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkVerdict asserts a 200 (want == nil) or 422 carrying want.
func checkVerdict(t *testing.T, rec *httptest.ResponseRecorder, kind string, want *ValidationError) {
	t.Helper()
	wantStatus := http.StatusOK
	if want != nil {
		wantStatus = http.StatusUnprocessableEntity
	}
	if rec.Code != wantStatus {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, wantStatus, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response is not JSON: %v; body %s", err, rec.Body)
	}
	if got, want := string(resp["valid"]), jsonString(t, want == nil); got != want {
		t.Errorf("valid = %s, want %s", got, want)
	}
	if got, want := string(resp["kind"]), jsonString(t, kind); got != want {
		t.Errorf("kind = %s, want %s", got, want)
	}
	if !regexp.MustCompile(`^[0-9]+$`).Match(resp["elapsed_ms"]) {
		t.Errorf("elapsed_ms = %s, want a non-negative integer", resp["elapsed_ms"])
	}
	if want == nil {
		if e, ok := resp["error"]; ok {
			t.Errorf("error = %s, want it omitted", e)
		}
		return
	}
	if got, want := string(resp["error"]), jsonString(t, want); got != want {
		t.Errorf("error = %s, want %s", got, want)
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func envelope(kind, artifact, context string) string {
	s := `{"kind":"` + kind + `","artifact":` + artifact
	if context != "" {
		s += `,"context":` + context
	}
	return s + "}"
}

func TestHealth(t *testing.T) {
	rec := do(t, newTestServer(t, false), http.MethodGet, "/health", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /health = %d, want 200", rec.Code)
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		body string
		kind string
		want *ValidationError
	}{
		{"playbook_happy",
			envelope("playbook", `{"operation":"fill: Welder x2 in Toledo, OH","endorsed_names":["W-1","W-2"],"target_count":2,"fingerprint":"abc123"}`, ""),
			"playbook", nil},
		{"playbook_missing_fingerprint",
			envelope("playbook", `{"operation":"fill: X x1 in A, B","endorsed_names":["a"]}`, ""),
			"playbook", schemaErr("fingerprint", "missing")},
		{"playbook_wrong_prefix",
			envelope("playbook", `{"operation":"sms_draft: hello","endorsed_names":["a"],"fingerprint":"x"}`, ""),
			"playbook", policyErr("operation", "unsupported operation")},
		{"playbook_empty_endorsed",
			envelope("playbook", `{"operation":"fill: X x1 in A, B","endorsed_names":[],"fingerprint":"x"}`, ""),
			"playbook", completenessErr("endorsed_names", "empty")},
		{"playbook_overfull",
			envelope("playbook", `{"operation":"fill: X x1 in A, B","endorsed_names":["a","b","c"],"target_count":1,"fingerprint":"x"}`, ""),
			"playbook", consistencyErr("endorsed_names", "overfull: 3 > 1")},
		{"fill_phantom",
			envelope("fill", `{"fills":[{"candidate_id":"W-PHANTOM-NEVER-EXISTS","name":"Nobody"}]}`, `{"target_count":1,"city":"Toledo","client_id":"C-1"}`),
			"fill", consistencyErr("fills[0].candidate_id", "unknown candidate W-PHANTOM-NEVER-EXISTS")},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkVerdict(t, do(t, h, http.MethodPost, "/v1/validate", tt.body), tt.kind, tt.want)
		})
	}
}

func TestPlaybookRules(t *testing.T) {
	tests := []struct {
		name     string
		artifact string
		want     *ValidationError
	}{
		{"happy", `{"operation":"fill: Welder x2 in Toledo, OH","endorsed_names":["W-1","W-2"],"target_count":2,"fingerprint":"abc123"}`, nil},
		{"happy without target_count", `{"operation":"fill: Welder x2 in Toledo, OH","endorsed_names":["W-1"],"fingerprint":"f"}`, nil},
		{"happy leading zeros", `{"operation":"fill: Welder x002 in Toledo","endorsed_names":["a","b"],"target_count":2,"fingerprint":"f"}`, nil},
		{"context ignored", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"f"}`, nil},

		{"P1 missing", `{"endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "missing")},
		{"P1 number", `{"operation":5,"endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "expected string")},
		{"P1 null", `{"operation":null}`, schemaErr("operation", "expected string")},
		{"P1 before P2", `{}`, schemaErr("operation", "missing")},

		{"P2 missing", `{"operation":"fill: X x1 in A","fingerprint":"x"}`, schemaErr("endorsed_names", "missing")},
		{"P2 string", `{"operation":"fill: X x1 in A","endorsed_names":"a","fingerprint":"x"}`, schemaErr("endorsed_names", "expected array of strings")},
		{"P2 null", `{"operation":"fill: X x1 in A","endorsed_names":null,"fingerprint":"x"}`, schemaErr("endorsed_names", "expected array of strings")},
		{"P2 non-string element", `{"operation":"fill: X x1 in A","endorsed_names":["a",1],"fingerprint":"x"}`, schemaErr("endorsed_names", "expected array of strings")},
		{"P2 before P3", `{"operation":"fill: X x1 in A","endorsed_names":[null]}`, schemaErr("endorsed_names", "expected array of strings")},

		{"P3 missing", `{"operation":"fill: X x1 in A","endorsed_names":["a"]}`, schemaErr("fingerprint", "missing")},
		{"P3 empty", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":""}`, schemaErr("fingerprint", "missing")},
		{"P3 number", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":1}`, schemaErr("fingerprint", "missing")},
		{"P3 null", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":null}`, schemaErr("fingerprint", "missing")},
		{"P3 before P4", `{"operation":"sms: hi","endorsed_names":["a"]}`, schemaErr("fingerprint", "missing")},

		{"P4 other prefix", `{"operation":"sms_draft: hello","endorsed_names":["a"],"fingerprint":"x"}`, policyErr("operation", "unsupported operation")},
		{"P4 case sensitive", `{"operation":"Fill: X x1 in A","endorsed_names":["a"],"fingerprint":"x"}`, policyErr("operation", "unsupported operation")},
		{"P4 before P6", `{"operation":"","endorsed_names":[],"fingerprint":"x"}`, policyErr("operation", "unsupported operation")},

		{"P5 no space after colon", `{"operation":"fill:X x1 in A","endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "malformed operation")},
		{"P5 zero count", `{"operation":"fill: X x0 in A","endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "malformed operation")},
		{"P5 signed count", `{"operation":"fill: X x+1 in A","endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "malformed operation")},
		{"P5 count too large", `{"operation":"fill: X x2147483648 in A","endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "malformed operation")},
		{"P5 empty role", `{"operation":"fill:  x1 in A","endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "malformed operation")},
		{"P5 empty place", `{"operation":"fill: X x1 in ","endorsed_names":["a"],"fingerprint":"x"}`, schemaErr("operation", "malformed operation")},
		{"P5 before P6", `{"operation":"fill: X","endorsed_names":[],"fingerprint":"x"}`, schemaErr("operation", "malformed operation")},

		{"P6 empty", `{"operation":"fill: X x1 in A","endorsed_names":[],"fingerprint":"x"}`, completenessErr("endorsed_names", "empty")},
		{"P6 before P7", `{"operation":"fill: X x1 in A","endorsed_names":[],"fingerprint":"x","target_count":0}`, completenessErr("endorsed_names", "empty")},

		{"P7 zero", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"x","target_count":0}`, schemaErr("target_count", "expected integer >= 1")},
		{"P7 negative", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"x","target_count":-1}`, schemaErr("target_count", "expected integer >= 1")},
		{"P7 fraction", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"x","target_count":1.5}`, schemaErr("target_count", "expected integer >= 1")},
		{"P7 string", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"x","target_count":"1"}`, schemaErr("target_count", "expected integer >= 1")},
		{"P7 null", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"x","target_count":null}`, schemaErr("target_count", "expected integer >= 1")},
		{"P7 too large", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"x","target_count":2147483648}`, schemaErr("target_count", "expected integer >= 1")},
		{"P7 before P8", `{"operation":"fill: X x1 in A","endorsed_names":["a","b"],"fingerprint":"x","target_count":0}`, schemaErr("target_count", "expected integer >= 1")},

		{"P8 overfull vs target_count", `{"operation":"fill: X x1 in A, B","endorsed_names":["a","b","c"],"target_count":1,"fingerprint":"x"}`, consistencyErr("endorsed_names", "overfull: 3 > 1")},
		{"P8 overfull vs operation", `{"operation":"fill: X x1 in A","endorsed_names":["a","b"],"fingerprint":"x"}`, consistencyErr("endorsed_names", "overfull: 2 > 1")},
		{"P8 before P9", `{"operation":"fill: X x5 in A","endorsed_names":["a","b"],"fingerprint":"x","target_count":1}`, consistencyErr("endorsed_names", "overfull: 2 > 1")},

		{"P9 mismatch", `{"operation":"fill: X x2 in A","endorsed_names":["a","b"],"fingerprint":"x","target_count":3}`, consistencyErr("target_count", "mismatch")},
		{"P9 underfull but match", `{"operation":"fill: X x3 in A","endorsed_names":["a"],"fingerprint":"x","target_count":3}`, nil},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := envelope("playbook", tt.artifact, `{"anything":[1,2]}`)
			checkVerdict(t, do(t, h, http.MethodPost, "/v1/validate", body), "playbook", tt.want)
		})
	}
}

func TestFillRules(t *testing.T) {
	const ctx = `{"target_count":1,"city":"Toledo","client_id":"C-1"}`
	const ctx3 = `{"target_count":3,"city":"Toledo","client_id":"C-1"}`
	const ada = `{"candidate_id":"W-1","name":"Ada Brooks"}`
	const gus = `{"candidate_id":"W-7","name":"Gus Lopez"}`
	tests := []struct {
		name     string
		artifact string
		context  string // "" leaves the key out
		want     *ValidationError
	}{
		{"happy", `{"fills":[` + ada + `]}`, ctx, nil},
		{"happy two", `{"fills":[` + ada + `,` + gus + `]}`, ctx3, nil},
		{"happy extra keys", `{"fills":[{"candidate_id":"W-1","name":"Ada Brooks","note":1}],"x":null}`, `{"target_count":1,"city":"Toledo","client_id":"","y":2}`, nil},

		{"F1 missing", `{}`, ctx, schemaErr("fills", "missing")},
		{"F1 object", `{"fills":{}}`, ctx, schemaErr("fills", "expected array")},
		{"F1 null", `{"fills":null}`, ctx, schemaErr("fills", "expected array")},
		{"F1 element not object", `{"fills":[` + ada + `,1]}`, ctx, schemaErr("fills[1]", "expected object")},
		{"F1 candidate_id missing", `{"fills":[{"name":"Ada Brooks"}]}`, ctx, schemaErr("fills[0].candidate_id", "missing")},
		{"F1 candidate_id number", `{"fills":[{"candidate_id":1,"name":"Ada Brooks"}]}`, ctx, schemaErr("fills[0].candidate_id", "expected string")},
		{"F1 name missing", `{"fills":[{"candidate_id":"W-1"}]}`, ctx, schemaErr("fills[0].name", "missing")},
		{"F1 name null", `{"fills":[{"candidate_id":"W-1","name":null}]}`, ctx, schemaErr("fills[0].name", "expected string")},
		{"F1 fill order", `{"fills":[{"candidate_id":"W-1"},{"name":"x"}]}`, ctx, schemaErr("fills[0].name", "missing")},
		{"F1 second fill", `{"fills":[` + ada + `,{"candidate_id":"W-7"}]}`, ctx, schemaErr("fills[1].name", "missing")},
		{"F1 before F2", `{"fills":"x"}`, "", schemaErr("fills", "expected array")},

		{"F2 context missing", `{"fills":[` + ada + `]}`, "", schemaErr("context", "missing")},
		{"F2 context array", `{"fills":[` + ada + `]}`, `[]`, schemaErr("context", "expected object")},
		{"F2 context null", `{"fills":[` + ada + `]}`, `null`, schemaErr("context", "expected object")},
		{"F2 target_count missing", `{"fills":[` + ada + `]}`, `{"city":"Toledo","client_id":"C-1"}`, schemaErr("context.target_count", "missing")},
		{"F2 target_count zero", `{"fills":[` + ada + `]}`, `{"target_count":0,"city":"Toledo","client_id":"C-1"}`, schemaErr("context.target_count", "expected integer >= 1")},
		{"F2 target_count string", `{"fills":[` + ada + `]}`, `{"target_count":"1","city":"Toledo","client_id":"C-1"}`, schemaErr("context.target_count", "expected integer >= 1")},
		{"F2 city missing", `{"fills":[` + ada + `]}`, `{"target_count":1,"client_id":"C-1"}`, schemaErr("context.city", "missing")},
		{"F2 city number", `{"fills":[` + ada + `]}`, `{"target_count":1,"city":1,"client_id":"C-1"}`, schemaErr("context.city", "expected string")},
		{"F2 client_id missing", `{"fills":[` + ada + `]}`, `{"target_count":1,"city":"Toledo"}`, schemaErr("context.client_id", "missing")},
		{"F2 client_id null", `{"fills":[` + ada + `]}`, `{"target_count":1,"city":"Toledo","client_id":null}`, schemaErr("context.client_id", "expected string")},
		{"F2 before F3", `{"fills":[]}`, "", schemaErr("context", "missing")},

		{"F3 empty", `{"fills":[]}`, ctx, completenessErr("fills", "empty")},

		{"F4 unknown", `{"fills":[{"candidate_id":"W-PHANTOM-NEVER-EXISTS","name":"Nobody"}]}`, ctx, consistencyErr("fills[0].candidate_id", "unknown candidate W-PHANTOM-NEVER-EXISTS")},
		{"F4 case sensitive", `{"fills":[{"candidate_id":"w-1","name":"Ada Brooks"}]}`, ctx, consistencyErr("fills[0].candidate_id", "unknown candidate w-1")},
		{"F4 scans all before F5", `{"fills":[{"candidate_id":"W-1","name":"Nobody"},{"candidate_id":"W-0","name":"x"}]}`, ctx, consistencyErr("fills[1].candidate_id", "unknown candidate W-0")},

		{"F5 name mismatch", `{"fills":[{"candidate_id":"W-1","name":"ada brooks"}]}`, ctx, consistencyErr("fills[0].name", "name mismatch")},
		{"F5 scans all before F6", `{"fills":[` + ada + `,` + ada + `,{"candidate_id":"W-7","name":"Gus"}]}`, ctx3, consistencyErr("fills[2].name", "name mismatch")},

		{"F6 duplicate is second occurrence", `{"fills":[` + ada + `,` + gus + `,` + ada + `]}`, ctx3, consistencyErr("fills[2].candidate_id", "duplicate")},
		{"F6 scans all before F7", `{"fills":[{"candidate_id":"W-2","name":"Ben Ito"},` + ada + `,` + ada + `]}`, ctx3, consistencyErr("fills[2].candidate_id", "duplicate")},

		{"F7 city mismatch", `{"fills":[{"candidate_id":"W-2","name":"Ben Ito"}]}`, ctx, policyErr("fills[0].candidate_id", "city mismatch")},
		{"F7 second fill", `{"fills":[` + ada + `,{"candidate_id":"W-2","name":"Ben Ito"}]}`, ctx, policyErr("fills[1].candidate_id", "city mismatch")},
		{"F7 case sensitive", `{"fills":[` + ada + `]}`, `{"target_count":1,"city":"toledo","client_id":"C-1"}`, policyErr("fills[0].candidate_id", "city mismatch")},

		{"F8 overfull", `{"fills":[` + ada + `,` + gus + `]}`, ctx, consistencyErr("fills", "overfull: 2 > 1")},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := envelope("fill", tt.artifact, tt.context)
			checkVerdict(t, do(t, h, http.MethodPost, "/v1/validate", body), "fill", tt.want)
		})
	}
}

func TestArtifactShape(t *testing.T) {
	tests := []struct {
		name string
		body string
		kind string
		want *ValidationError
	}{
		{"playbook missing", `{"kind":"playbook"}`, "playbook", schemaErr("artifact", "missing")},
		{"fill missing", `{"kind":"fill","context":{}}`, "fill", schemaErr("artifact", "missing")},
		{"array", `{"kind":"playbook","artifact":[]}`, "playbook", schemaErr("artifact", "expected object")},
		{"string", `{"kind":"fill","artifact":"x"}`, "fill", schemaErr("artifact", "expected object")},
		{"null", `{"kind":"playbook","artifact":null}`, "playbook", schemaErr("artifact", "expected object")},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkVerdict(t, do(t, h, http.MethodPost, "/v1/validate", tt.body), tt.kind, tt.want)
		})
	}
}

func TestEnvelopeRejected(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		body       string
		wantStatus int
	}{
		{"not JSON", http.MethodPost, `kind=playbook`, http.StatusBadRequest},
		{"empty body", http.MethodPost, ``, http.StatusBadRequest},
		{"truncated", http.MethodPost, `{"kind":"playbook",`, http.StatusBadRequest},
		{"array", http.MethodPost, `[]`, http.StatusBadRequest},
		{"string", http.MethodPost, `"playbook"`, http.StatusBadRequest},
		{"no kind", http.MethodPost, `{"artifact":{}}`, http.StatusBadRequest},
		{"unknown kind", http.MethodPost, `{"kind":"sms","artifact":{}}`, http.StatusBadRequest},
		{"kind upper case", http.MethodPost, `{"kind":"PLAYBOOK","artifact":{}}`, http.StatusBadRequest},
		{"kind not a string", http.MethodPost, `{"kind":1,"artifact":{}}`, http.StatusBadRequest},
		{"too large", http.MethodPost, `{"kind":"playbook","artifact":{"x":"` + strings.Repeat("a", maxBodyBytes) + `"}}`, http.StatusRequestEntityTooLarge},
		{"wrong method", http.MethodGet, ``, http.StatusMethodNotAllowed},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, tt.method, "/v1/validate", tt.body)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
		})
	}
}

var elapsedRE = regexp.MustCompile(`"elapsed_ms":[0-9]+`)

func TestErrorWireShape(t *testing.T) {
	body := envelope("playbook", `{"operation":"fill: X x1 in A, B","endorsed_names":["a"]}`, "")
	tests := []struct {
		name  string
		serde bool
		want  string
	}{
		{"go", false, `{"valid":false,"kind":"playbook","error":{"Kind":"schema","Field":"fingerprint","Reason":"missing"},"elapsed_ms":0}` + "\n"},
		{"serde", true, `{"valid":false,"kind":"playbook","error":{"Schema":{"field":"fingerprint","reason":"missing"}},"elapsed_ms":0}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, newTestServer(t, tt.serde), http.MethodPost, "/v1/validate", body)
			got := elapsedRE.ReplaceAllString(rec.Body.String(), `"elapsed_ms":0`)
			if rec.Code != http.StatusUnprocessableEntity || got != tt.want {
				t.Errorf("got %d %s, want 422 %s", rec.Code, got, tt.want)
			}
		})
	}

	t.Run("valid", func(t *testing.T) {
		ok := envelope("playbook", `{"operation":"fill: X x1 in A","endorsed_names":["a"],"fingerprint":"f"}`, "")
		rec := do(t, newTestServer(t, true), http.MethodPost, "/v1/validate", ok)
		got := elapsedRE.ReplaceAllString(rec.Body.String(), `"elapsed_ms":0`)
		if want := `{"valid":true,"kind":"playbook","elapsed_ms":0}` + "\n"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}

func TestSerdeVariants(t *testing.T) {
	tests := []struct {
		err  *ValidationError
		want string
	}{
		{schemaErr("fingerprint", "missing"), `{"Schema":{"field":"fingerprint","reason":"missing"}}`},
		{completenessErr("fills", "empty"), `{"Completeness":{"field":"fills","reason":"empty"}}`},
		{consistencyErr("target_count", "mismatch"), `{"Consistency":{"field":"target_count","reason":"mismatch"}}`},
		{policyErr("operation", "unsupported operation"), `{"Policy":{"field":"operation","reason":"unsupported operation"}}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(serdeError(*tt.err))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, []byte(tt.want)) {
			t.Errorf("serdeError(%+v) = %s, want %s", *tt.err, b, tt.want)
		}
	}
}
