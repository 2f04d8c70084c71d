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

// Roster indexes the workers by id.
type Roster struct {
	byID map[string]Worker
}

// Lookup returns the worker with the given id.
func (r *Roster) Lookup(id string) (Worker, bool) {
	w, ok := r.byID[id]
	return w, ok
}

// NewRoster builds a roster from a list of workers.
func NewRoster(workers []Worker) *Roster {
	r := &Roster{byID: make(map[string]Worker, len(workers))}
	for _, w := range workers {
		r.byID[w.ID] = w
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
