package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// Worker is one entry of the roster file.
type Worker struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	City string `json:"city"`
	Role string `json:"role"`
}

// Roster holds the workers in the file's order, indexed by id, and the cities
// and roles they name.
type Roster struct {
	workers []Worker
	byID    map[string]int
	cities  map[string]bool
	roles   map[string]bool
}

// Lookup returns the worker with the given id.
func (r *Roster) Lookup(id string) (Worker, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Worker{}, false
	}
	return r.workers[i], true
}

// Workers returns all workers in the roster file's order.
func (r *Roster) Workers() []Worker {
	return r.workers
}

// HasCity reports whether some worker lives in city.
func (r *Roster) HasCity(city string) bool {
	return r.cities[city]
}

// HasRole reports whether some worker has role.
func (r *Roster) HasRole(role string) bool {
	return r.roles[role]
}

// NewRoster builds a roster from a list of workers. A later worker with an id
// seen before replaces the earlier one, in its place.
func NewRoster(workers []Worker) *Roster {
	r := &Roster{
		byID:   make(map[string]int, len(workers)),
		cities: make(map[string]bool),
		roles:  make(map[string]bool),
	}
	for _, w := range workers {
		if i, ok := r.byID[w.ID]; ok {
			r.workers[i] = w
			continue
		}
		r.byID[w.ID] = len(r.workers)
		r.workers = append(r.workers, w)
	}
	for _, w := range r.workers {
		r.cities[w.City] = true
		r.roles[w.Role] = true
	}
	return r
}

// LoadRoster reads and parses a roster file: {"workers": [...]}.
func LoadRoster(path string) (*Roster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read roster: %w", err)
	}
	var file struct {
		Workers []Worker `json:"workers"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse roster %s: %w", path, err)
	}
	return NewRoster(file.Workers), nil
}
