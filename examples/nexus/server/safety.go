package server

import (
	"net/http"

	"github.com/nexuskit/nexus/validate"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// safetyInput is the body of PATCH /api/safety-status: every field optional,
// each a percentage, unknown fields rejected.
type safetyInput struct {
	EthicalCompliance    int `json:"ethicalCompliance" validate:"min=0,max=100"`
	ValueAlignment       int `json:"valueAlignment" validate:"min=0,max=100"`
	HarmPrevention       int `json:"harmPrevention" validate:"min=0,max=100"`
	Transparency         int `json:"transparency" validate:"min=0,max=100"`
	HumanOversight       int `json:"humanOversight" validate:"min=0,max=100"`
	ContainmentIntegrity int `json:"containmentIntegrity" validate:"min=0,max=100"`
}

func (s *Server) getSafety(w http.ResponseWriter, r *http.Request) {
	st, err := s.opts.Store.SafetyStatus(r.Context())
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	s.rs.OK(w, r, st)
}

func (s *Server) patchSafety(w http.ResponseWriter, r *http.Request) {
	p, err := validate.DecodePatch[safetyInput](r)
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	st, err := s.opts.Store.UpdateSafetyStatus(r.Context(), func(st *store.SafetyStatus) error {
		in := safetyInput{st.EthicalCompliance, st.ValueAlignment, st.HarmPrevention,
			st.Transparency, st.HumanOversight, st.ContainmentIntegrity}
		p.Apply(&in)
		st.EthicalCompliance, st.ValueAlignment, st.HarmPrevention = in.EthicalCompliance, in.ValueAlignment, in.HarmPrevention
		st.Transparency, st.HumanOversight, st.ContainmentIntegrity = in.Transparency, in.HumanOversight, in.ContainmentIntegrity
		return nil
	})
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	s.hub.publish("safety.updated", st)
	s.rs.OK(w, r, st)
}
