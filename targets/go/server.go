package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// maxBodyBytes caps the size of a request body.
const maxBodyBytes = 1 << 20

const (
	kindPlaybook = "playbook"
	kindFill     = "fill"
)

// server holds the dependencies of the HTTP handlers.
type server struct {
	roster      *Roster
	serdeErrors bool
}

func newServer(roster *Roster, serdeErrors bool) *server {
	return &server{roster: roster, serdeErrors: serdeErrors}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.HandleFunc("POST /v1/validate", s.handleValidate)
	mux.HandleFunc("GET /v1/workers", s.handleListWorkers)
	mux.HandleFunc("GET /v1/workers/{id}", s.handleGetWorker)
	mux.HandleFunc("POST /v1/clients/{client_id}/fills", s.handleClientFills)
	return mux
}

type validateRequest struct {
	Kind     string          `json:"kind"`
	Artifact json.RawMessage `json:"artifact"`
	Context  json.RawMessage `json:"context"`
}

type validateResponse struct {
	Valid     bool   `json:"valid"`
	Kind      string `json:"kind"`
	Error     any    `json:"error,omitempty"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

// decodeBody decodes the request body, at most maxBodyBytes of it, into v.
// On failure it answers 413 or 400 with the decoder's text and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return false
		}
		http.Error(w, "invalid request body: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *server) handleValidate(w http.ResponseWriter, r *http.Request) {
	var req validateRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Kind != kindPlaybook && req.Kind != kindFill {
		http.Error(w, fmt.Sprintf("unknown kind %q", req.Kind), http.StatusBadRequest)
		return
	}

	start := time.Now()
	verr, err := s.validate(&req)
	if err != nil {
		http.Error(w, "invalid request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	elapsed := time.Since(start).Milliseconds()

	resp := validateResponse{Valid: verr == nil, Kind: req.Kind, ElapsedMS: elapsed}
	status := http.StatusOK
	if verr != nil {
		status = http.StatusUnprocessableEntity
		if s.serdeErrors {
			resp.Error = serdeError(*verr)
		} else {
			resp.Error = verr
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(resp)
}

// validate decodes the artifact (and, for fill, the context) and applies the
// kind's rules. A non-nil error means the JSON could not be decoded at all.
func (s *server) validate(req *validateRequest) (*ValidationError, error) {
	if len(req.Artifact) == 0 {
		return schemaErr("artifact", "missing"), nil
	}
	var artifact any
	if err := json.Unmarshal(req.Artifact, &artifact); err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	obj, ok := artifact.(map[string]any)
	if !ok {
		return schemaErr("artifact", "expected object"), nil
	}

	if req.Kind == kindPlaybook {
		return validatePlaybook(obj), nil
	}

	var ctx any
	hasCtx := len(req.Context) > 0
	if hasCtx {
		if err := json.Unmarshal(req.Context, &ctx); err != nil {
			return nil, fmt.Errorf("context: %w", err)
		}
	}
	return validateFill(obj, ctx, hasCtx, s.roster), nil
}

// writeJSON answers with status and v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
