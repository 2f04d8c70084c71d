package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
)

const (
	adaFill = `{"candidate_id":"W-1","name":"Ada Brooks"}`
	benFill = `{"candidate_id":"W-2","name":"Ben Ito"}`
	gusFill = `{"candidate_id":"W-7","name":"Gus Lopez"}`
	toledo1 = `{"target_count":1,"city":"Toledo"}`
)

// checkClientFill asserts a 200 (want == nil) or 422 carrying want, for clientID.
func checkClientFill(t *testing.T, h http.Handler, clientID, body string, want *ValidationError) {
	t.Helper()
	rec := do(t, h, http.MethodPost, "/v1/clients/"+clientID+"/fills", body)
	wantStatus := http.StatusOK
	if want != nil {
		wantStatus = http.StatusUnprocessableEntity
	}
	if rec.Code != wantStatus {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, wantStatus, rec.Body)
	}
	var got struct {
		Valid     *bool            `json:"valid"`
		ClientID  string           `json:"client_id"`
		Error     *ValidationError `json:"error"`
		ElapsedMS json.RawMessage  `json:"elapsed_ms"`
	}
	decodeJSON(t, rec.Body.Bytes(), rec.Header().Get("Content-Type"), &got)
	if got.Valid == nil || *got.Valid != (want == nil) {
		t.Errorf("valid = %v, want %v", got.Valid, want == nil)
	}
	if !regexp.MustCompile(`^[0-9]+$`).Match(got.ElapsedMS) {
		t.Errorf("elapsed_ms = %s, want a non-negative integer", got.ElapsedMS)
	}
	if want == nil {
		if got.Error != nil {
			t.Errorf("error = %+v, want it omitted", *got.Error)
		}
		return
	}
	if got.Error == nil || *got.Error != *want {
		t.Errorf("error = %+v, want %+v", got.Error, *want)
	}
}

func TestClientFills(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *ValidationError
	}{
		{"valid", `{"fills":[` + adaFill + `,` + gusFill + `],"context":{"target_count":2,"city":"Toledo"}}`, nil},
		{"client_id in context replaced", `{"fills":[` + adaFill + `],"context":{"target_count":1,"city":"Toledo","client_id":7}}`, nil},

		{"F1 fills missing", `{"context":` + toledo1 + `}`, schemaErr("fills", "missing")},
		{"F1 fills object", `{"fills":{},"context":` + toledo1 + `}`, schemaErr("fills", "expected array")},
		{"F1 fill not object", `{"fills":[1],"context":` + toledo1 + `}`, schemaErr("fills[0]", "expected object")},
		{"F1 before F2", `{"fills":[{"name":"x"}]}`, schemaErr("fills[0].candidate_id", "missing")},
		{"F2 context missing", `{"fills":[` + adaFill + `]}`, schemaErr("context", "missing")},
		{"F2 context null", `{"fills":[` + adaFill + `],"context":null}`, schemaErr("context", "expected object")},
		{"F2 context array", `{"fills":[` + adaFill + `],"context":[` + toledo1 + `]}`, schemaErr("context", "expected object")},
		{"F2 target_count missing", `{"fills":[` + adaFill + `],"context":{"city":"Toledo"}}`, schemaErr("context.target_count", "missing")},
		{"F2 target_count zero", `{"fills":[` + adaFill + `],"context":{"target_count":0,"city":"Toledo"}}`, schemaErr("context.target_count", "expected integer >= 1")},
		{"F2 city missing", `{"fills":[` + adaFill + `],"context":{"target_count":1}}`, schemaErr("context.city", "missing")},
		{"F3 empty", `{"fills":[],"context":` + toledo1 + `}`, completenessErr("fills", "empty")},
		{"F4 unknown", `{"fills":[{"candidate_id":"W-0","name":"x"}],"context":` + toledo1 + `}`, consistencyErr("fills[0].candidate_id", "unknown candidate W-0")},
		{"F5 name mismatch", `{"fills":[{"candidate_id":"W-1","name":"Ada"}],"context":` + toledo1 + `}`, consistencyErr("fills[0].name", "name mismatch")},
		{"F6 duplicate", `{"fills":[` + adaFill + `,` + adaFill + `],"context":` + toledo1 + `}`, consistencyErr("fills[1].candidate_id", "duplicate")},
		{"F7 city mismatch", `{"fills":[` + adaFill + `,` + benFill + `],"context":` + toledo1 + `}`, policyErr("fills[1].candidate_id", "city mismatch")},
		{"F8 overfull", `{"fills":[` + adaFill + `,` + gusFill + `],"context":` + toledo1 + `}`, consistencyErr("fills", "overfull: 2 > 1")},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkClientFill(t, h, "C-1", tt.body, tt.want)
		})
	}
}

func TestClientIDComesFromThePath(t *testing.T) {
	body := `{"fills":[` + adaFill + `],"context":{"target_count":1,"city":"Toledo","client_id":"C-9"}}`
	rec := do(t, newTestServer(t, false), http.MethodPost, "/v1/clients/C%2042/fills", body)
	var got struct {
		ClientID string `json:"client_id"`
	}
	decodeJSON(t, rec.Body.Bytes(), rec.Header().Get("Content-Type"), &got)
	if rec.Code != http.StatusOK || got.ClientID != "C 42" {
		t.Errorf("got %d client_id %q, want 200 %q", rec.Code, got.ClientID, "C 42")
	}
}

func TestClientFillWireShape(t *testing.T) {
	tests := []struct {
		name  string
		serde bool
		want  string
	}{
		{"go", false, `{"valid":false,"client_id":"C-1","error":{"Kind":"schema","Field":"context","Reason":"missing"},"elapsed_ms":0}` + "\n"},
		{"serde", true, `{"valid":false,"client_id":"C-1","error":{"Schema":{"field":"context","reason":"missing"}},"elapsed_ms":0}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, newTestServer(t, tt.serde), http.MethodPost, "/v1/clients/C-1/fills", `{"fills":[]}`)
			got := elapsedRE.ReplaceAllString(rec.Body.String(), `"elapsed_ms":0`)
			if rec.Code != http.StatusUnprocessableEntity || got != tt.want {
				t.Errorf("got %d %s, want 422 %s", rec.Code, got, tt.want)
			}
		})
	}
}

func TestClientFillRejected(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"not JSON", `not json`},
		{"empty body", ``},
		{"array", `[]`},
		{"null", `null`},
		{"string", `"fills"`},
	}
	h := newTestServer(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, http.MethodPost, "/v1/clients/C-1/fills", tt.body)
			if rec.Code != http.StatusBadRequest {
				t.Errorf("status = %d, want 400; body %s", rec.Code, rec.Body)
			}
		})
	}
}
