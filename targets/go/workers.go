package main

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
)

const (
	defaultLimit = 20  // page size when limit is absent
	maxLimit     = 100 // largest page size
)

// workerPage is the answer to GET /v1/workers.
type workerPage struct {
	Workers []Worker `json:"workers"`
	Total   int      `json:"total"`
	Limit   int      `json:"limit"`
	Offset  int      `json:"offset"`
}

// workerFilter is a checked GET /v1/workers query: which workers, and which
// page of them.
type workerFilter struct {
	city   string // "" matches every city
	roles  []string
	limit  int
	offset int
}

// parseWorkerFilter checks city, each role, limit and offset, in that order.
// role may be repeated; an empty city, limit or offset counts as absent.
func parseWorkerFilter(q url.Values, roster *Roster) (workerFilter, *ValidationError) {
	f := workerFilter{limit: defaultLimit}
	if city := q.Get("city"); city != "" {
		if !roster.HasCity(city) {
			return f, consistencyErr("city", "unknown city "+city)
		}
		f.city = city
	}
	for i, role := range q["role"] {
		if !roster.HasRole(role) {
			return f, consistencyErr(fmt.Sprintf("role[%d]", i), "unknown role "+role)
		}
	}
	f.roles = q["role"]
	if s := q.Get("limit"); s != "" {
		n, ok := parseDigits(s)
		if !ok || n < 1 || n > maxLimit {
			return f, schemaErr("limit", "expected integer between 1 and 100")
		}
		f.limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, ok := parseDigits(s)
		if !ok {
			return f, schemaErr("offset", "expected integer >= 0")
		}
		f.offset = n
	}
	return f, nil
}

func (f workerFilter) matches(w Worker) bool {
	if f.city != "" && w.City != f.city {
		return false
	}
	if len(f.roles) == 0 {
		return true
	}
	for _, role := range f.roles {
		if w.Role == role {
			return true
		}
	}
	return false
}

// parseDigits accepts one or more ASCII digits whose value is in 0..2^31-1;
// leading zeros are allowed. The digits are checked explicitly because
// strconv also accepts a sign.
func parseDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
		if n > math.MaxInt32 {
			return 0, false
		}
	}
	return n, true
}

// page returns the workers that match f, in roster order, cut to f's page.
func (f workerFilter) page(roster *Roster) workerPage {
	matching := []Worker{}
	for _, w := range roster.Workers() {
		if f.matches(w) {
			matching = append(matching, w)
		}
	}
	p := workerPage{Workers: []Worker{}, Total: len(matching), Limit: f.limit, Offset: f.offset}
	if f.offset < len(matching) {
		end := min(f.offset+f.limit, len(matching))
		p.Workers = matching[f.offset:end]
	}
	return p
}

func (s *server) handleListWorkers(w http.ResponseWriter, r *http.Request) {
	f, verr := parseWorkerFilter(r.URL.Query(), s.roster)
	if verr != nil {
		s.writeError(w, http.StatusBadRequest, verr)
		return
	}
	writeJSON(w, http.StatusOK, f.page(s.roster))
}

func (s *server) handleGetWorker(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	worker, ok := s.roster.Lookup(id)
	if !ok {
		s.writeError(w, http.StatusNotFound, consistencyErr("id", "unknown worker "+id))
		return
	}
	writeJSON(w, http.StatusOK, worker)
}
