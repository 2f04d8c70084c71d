package main

import (
	"net/http"
	"time"
)

// clientFillResponse is the answer to POST /v1/clients/{client_id}/fills.
type clientFillResponse struct {
	Valid     bool   `json:"valid"`
	ClientID  string `json:"client_id"`
	Error     any    `json:"error,omitempty"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

// handleClientFills validates a fill for the client named in the path. The
// body is the fill artifact with the context under "context"; the path's
// client id is the context's client_id, replacing any sent.
func (s *server) handleClientFills(w http.ResponseWriter, r *http.Request) {
	clientID := r.PathValue("client_id")
	var body any
	if !decodeBody(w, r, &body) {
		return
	}
	artifact, ok := body.(map[string]any)
	if !ok {
		http.Error(w, "invalid request body: expected a JSON object", http.StatusBadRequest)
		return
	}

	start := time.Now()
	ctx, hasCtx := artifact["context"]
	delete(artifact, "context")
	if c, ok := ctx.(map[string]any); ok {
		c["client_id"] = clientID
	}
	verr := validateFill(artifact, ctx, hasCtx, s.roster)
	elapsed := time.Since(start).Milliseconds()

	resp := clientFillResponse{Valid: verr == nil, ClientID: clientID, ElapsedMS: elapsed}
	status := http.StatusOK
	if verr != nil {
		status = http.StatusUnprocessableEntity
		resp.Error = s.wireError(verr)
	}
	writeJSON(w, status, resp)
}
