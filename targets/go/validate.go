package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Operation is a parsed "fill: <role> x<count> in <place>" operation.
type Operation struct {
	Role  string
	Count int
	Place string
}

// ParseOperation parses the operation grammar of contract rule P5. The text
// after "fill: " is split at the last " in ", the part before it at the last " x".
func ParseOperation(s string) (Operation, bool) {
	rest, ok := strings.CutPrefix(s, "fill: ")
	if !ok {
		return Operation{}, false
	}
	i := strings.LastIndex(rest, " in ")
	if i < 0 {
		return Operation{}, false
	}
	head, place := rest[:i], rest[i+len(" in "):]
	j := strings.LastIndex(head, " x")
	if j < 0 {
		return Operation{}, false
	}
	role, digits := head[:j], head[j+len(" x"):]
	if role == "" || place == "" {
		return Operation{}, false
	}
	count, ok := parseCount(digits)
	if !ok {
		return Operation{}, false
	}
	return Operation{Role: role, Count: count, Place: place}, true
}

// parseCount accepts one or more ASCII digits whose value is in 1..2^31-1.
// The digits are checked explicitly because strconv also accepts a sign.
func parseCount(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// asPositiveInt reports whether v, as decoded by encoding/json, is a whole
// number in 1..2^31-1.
func asPositiveInt(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < 1 || f > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}

// validatePlaybook applies rules P1-P9; the first failure is returned.
func validatePlaybook(a map[string]any) *ValidationError {
	// P1
	rawOp, ok := a["operation"]
	if !ok {
		return schemaErr("operation", "missing")
	}
	op, ok := rawOp.(string)
	if !ok {
		return schemaErr("operation", "expected string")
	}

	// P2
	rawNames, ok := a["endorsed_names"]
	if !ok {
		return schemaErr("endorsed_names", "missing")
	}
	list, ok := rawNames.([]any)
	if !ok {
		return schemaErr("endorsed_names", "expected array of strings")
	}
	for _, n := range list {
		if _, ok := n.(string); !ok {
			return schemaErr("endorsed_names", "expected array of strings")
		}
	}

	// P3
	if fp, ok := a["fingerprint"].(string); !ok || fp == "" {
		return schemaErr("fingerprint", "missing")
	}

	// P4
	if !strings.HasPrefix(op, "fill:") {
		return policyErr("operation", "unsupported operation")
	}

	// P5
	parsed, ok := ParseOperation(op)
	if !ok {
		return schemaErr("operation", "malformed operation")
	}

	// P6
	if len(list) == 0 {
		return completenessErr("endorsed_names", "empty")
	}

	// P7
	target := parsed.Count
	rawTarget, hasTarget := a["target_count"]
	if hasTarget {
		n, ok := asPositiveInt(rawTarget)
		if !ok {
			return schemaErr("target_count", "expected integer >= 1")
		}
		target = n
	}

	// P8
	if len(list) > target {
		return consistencyErr("endorsed_names", fmt.Sprintf("overfull: %d > %d", len(list), target))
	}

	// P9
	if hasTarget && target != parsed.Count {
		return consistencyErr("target_count", "mismatch")
	}
	return nil
}

type fill struct {
	candidateID string
	name        string
}

// validateFill applies rules F1-F8; the first failure is returned. ctx is the
// decoded context and hasCtx reports whether the request carried one.
func validateFill(a map[string]any, ctx any, hasCtx bool, roster *Roster) *ValidationError {
	// F1
	rawFills, ok := a["fills"]
	if !ok {
		return schemaErr("fills", "missing")
	}
	list, ok := rawFills.([]any)
	if !ok {
		return schemaErr("fills", "expected array")
	}
	fills := make([]fill, 0, len(list))
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return schemaErr(fmt.Sprintf("fills[%d]", i), "expected object")
		}
		id, err := requireString(obj, "candidate_id", fmt.Sprintf("fills[%d].candidate_id", i))
		if err != nil {
			return err
		}
		name, err := requireString(obj, "name", fmt.Sprintf("fills[%d].name", i))
		if err != nil {
			return err
		}
		fills = append(fills, fill{candidateID: id, name: name})
	}

	// F2
	if !hasCtx {
		return schemaErr("context", "missing")
	}
	c, ok := ctx.(map[string]any)
	if !ok {
		return schemaErr("context", "expected object")
	}
	rawTarget, ok := c["target_count"]
	if !ok {
		return schemaErr("context.target_count", "missing")
	}
	target, ok := asPositiveInt(rawTarget)
	if !ok {
		return schemaErr("context.target_count", "expected integer >= 1")
	}
	city, err := requireString(c, "city", "context.city")
	if err != nil {
		return err
	}
	if _, err := requireString(c, "client_id", "context.client_id"); err != nil {
		return err
	}

	// F3
	if len(fills) == 0 {
		return completenessErr("fills", "empty")
	}

	// F4
	for i, f := range fills {
		if _, ok := roster.Lookup(f.candidateID); !ok {
			return consistencyErr(fmt.Sprintf("fills[%d].candidate_id", i), "unknown candidate "+f.candidateID)
		}
	}

	// F5
	for i, f := range fills {
		if w, _ := roster.Lookup(f.candidateID); w.Name != f.name {
			return consistencyErr(fmt.Sprintf("fills[%d].name", i), "name mismatch")
		}
	}

	// F6
	seen := make(map[string]bool, len(fills))
	for i, f := range fills {
		if seen[f.candidateID] {
			return consistencyErr(fmt.Sprintf("fills[%d].candidate_id", i), "duplicate")
		}
		seen[f.candidateID] = true
	}

	// F7
	for i, f := range fills {
		if w, _ := roster.Lookup(f.candidateID); w.City != city {
			return policyErr(fmt.Sprintf("fills[%d].candidate_id", i), "city mismatch")
		}
	}

	// F8
	if len(fills) > target {
		return consistencyErr("fills", fmt.Sprintf("overfull: %d > %d", len(fills), target))
	}
	return nil
}

// requireString returns obj[key] if it is present and a string; field names
// the value in the error.
func requireString(obj map[string]any, key, field string) (string, *ValidationError) {
	v, ok := obj[key]
	if !ok {
		return "", schemaErr(field, "missing")
	}
	s, ok := v.(string)
	if !ok {
		return "", schemaErr(field, "expected string")
	}
	return s, nil
}
