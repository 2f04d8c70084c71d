package main

import (
	"encoding/json"
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
