package server

import (
	"errors"
	"net/http"

	"github.com/nexuskit/nexus/validate"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// safetyInput is the body of PATCH /api/safety-status: every field optional,
// each a percentage from 0 to 100, decimals allowed (95.5, as the original
// system accepted), unknown fields rejected.
type safetyInput struct {
	EthicalCompliance    float64 `json:"ethicalCompliance" validate:"min=0,max=100"`
	ValueAlignment       float64 `json:"valueAlignment" validate:"min=0,max=100"`
	HarmPrevention       float64 `json:"harmPrevention" validate:"min=0,max=100"`
	Transparency         float64 `json:"transparency" validate:"min=0,max=100"`
	HumanOversight       float64 `json:"humanOversight" validate:"min=0,max=100"`
	ContainmentIntegrity float64 `json:"containmentIntegrity" validate:"min=0,max=100"`
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
	var current store.SafetyStatus
	st, err := s.opts.Store.UpdateSafetyStatus(r.Context(), func(st *store.SafetyStatus) error {
		current = *st
		in := safetyInput{st.EthicalCompliance, st.ValueAlignment, st.HarmPrevention,
			st.Transparency, st.HumanOversight, st.ContainmentIntegrity}
		before := in
		p.Apply(&in)
		if in == before {
			return errUnchanged // nothing to write, no event
		}
		st.EthicalCompliance, st.ValueAlignment, st.HarmPrevention = in.EthicalCompliance, in.ValueAlignment, in.HarmPrevention
		st.Transparency, st.HumanOversight, st.ContainmentIntegrity = in.Transparency, in.HumanOversight, in.ContainmentIntegrity
		return nil
	})
	if errors.Is(err, errUnchanged) {
		s.rs.OK(w, r, current)
		return
	}
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	s.hub.publish("safety.updated", st)
	s.log.InfoContext(r.Context(), "safety status updated", "subject", subject(r), "version", st.Version, "fields", p.Fields())
	s.rs.OK(w, r, st)
}
