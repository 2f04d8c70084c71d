package main

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Validation error kinds, as listed in docs/contract.md.
const (
	KindSchema       = "schema"
	KindCompleteness = "completeness"
	KindConsistency  = "consistency"
	KindPolicy       = "policy"
)

// ValidationError is the first rule an artifact breaks. It has no json tags,
// so encoding/json serialises it as {"Kind":...,"Field":...,"Reason":...}.
type ValidationError struct {
	Kind   string
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return e.Kind + " error on " + e.Field + ": " + e.Reason
}

func schemaErr(field, reason string) *ValidationError {
	return &ValidationError{Kind: KindSchema, Field: field, Reason: reason}
}

func completenessErr(field, reason string) *ValidationError {
	return &ValidationError{Kind: KindCompleteness, Field: field, Reason: reason}
}

func consistencyErr(field, reason string) *ValidationError {
	return &ValidationError{Kind: KindConsistency, Field: field, Reason: reason}
}

func policyErr(field, reason string) *ValidationError {
	return &ValidationError{Kind: KindPolicy, Field: field, Reason: reason}
}

// serdeError marshals a ValidationError the way Rust's serde serialises an
// externally tagged enum: {"Schema":{"field":"fingerprint","reason":"missing"}}.
type serdeError ValidationError

func (e serdeError) MarshalJSON() ([]byte, error) {
	type body struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	}
	variant := e.Kind
	if variant != "" {
		variant = strings.ToUpper(variant[:1]) + variant[1:]
	}
	return json.Marshal(map[string]body{variant: {Field: e.Field, Reason: e.Reason}})
}

// errorResponse is the body of an error answer of a resource route
// (/v1/workers...): {"error": E}.
type errorResponse struct {
	Error any `json:"error"`
}

// wireError returns verr in the shape this server writes: Go's exported
// fields, or serde's externally tagged enum with --serde-errors.
func (s *server) wireError(verr *ValidationError) any {
	if s.serdeErrors {
		return serdeError(*verr)
	}
	return verr
}

// writeError answers with status and the body {"error": verr}.
func (s *server) writeError(w http.ResponseWriter, status int, verr *ValidationError) {
	writeJSON(w, status, errorResponse{Error: s.wireError(verr)})
}
