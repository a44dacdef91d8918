package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/nexuskit/nexus/respond"
	"github.com/nexuskit/nexus/validate"

	"github.com/nexuskit/nexus/examples/nexus/store"
)

// moduleInput is the body of POST /api/modules and, field by field, of
// PATCH /api/modules/{id}: one set of rules for both.
type moduleInput struct {
	Name             string `json:"name" validate:"required,notblank,max=100,storable"`
	Type             string `json:"type" validate:"required,oneof=sensory cognitive emotional memory motor language metacognitive"`
	Status           string `json:"status" validate:"required,oneof=active inactive learning maintenance"`
	IntegrationLevel int    `json:"integrationLevel" validate:"min=0,max=100"`
	Description      string `json:"description" validate:"max=2000,storable"`
}

// textProblem is the validation problem of text no store can keep.
func textProblem(field string) validate.FieldError {
	return validate.FieldError{Field: field, Rule: "storable", Message: ruleMessages["storable"]}
}

func (in moduleInput) apply(m *store.Module) {
	m.Name, m.Type, m.Status = in.Name, in.Type, in.Status
	m.IntegrationLevel, m.Description = in.IntegrationLevel, in.Description
}

// deletedModule is the answer to DELETE and the data of its event. Version
// is the module's last version plus one, so a client that holds an older
// copy knows the deletion is newer.
type deletedModule struct {
	ID      uuid.UUID `json:"id"`
	Deleted bool      `json:"deleted"`
	Version int64     `json:"version"`
}

// errUnchanged aborts an update that would change nothing.
var errUnchanged = errors.New("unchanged")

func inputOf(m store.Module) moduleInput {
	return moduleInput{Name: m.Name, Type: m.Type, Status: m.Status, IntegrationLevel: m.IntegrationLevel, Description: m.Description}
}

const (
	defaultLimit = 10
	maxLimit     = 100
	maxOffset    = 1 << 31
)

// errModuleNotFound is the answer for an unknown or malformed module id:
// a malformed id cannot name a module, so it is not found either.
var errModuleNotFound = &respond.APIError{
	Status: http.StatusNotFound, Code: respond.CodeModuleNotFound, Message: "Module not found",
}

// pageParams reads page (from 1) and limit (1..100) from the query.
func pageParams(r *http.Request) (page, limit int, err error) {
	var problems validate.Errors
	read := func(name string, def, lo, hi int) int {
		raw := r.URL.Query().Get(name)
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		switch {
		case err != nil:
			problems = append(problems, validate.FieldError{Field: name, Rule: "number",
				Message: name + " must be a whole number"})
		case n < lo:
			problems = append(problems, validate.FieldError{Field: name, Rule: "min", Param: strconv.Itoa(lo),
				Message: name + " must be at least " + strconv.Itoa(lo)})
		case hi > 0 && n > hi:
			problems = append(problems, validate.FieldError{Field: name, Rule: "max", Param: strconv.Itoa(hi),
				Message: name + " must be at most " + strconv.Itoa(hi)})
		default:
			return n
		}
		return def
	}
	page = read("page", 1, 1, 0)
	limit = read("limit", defaultLimit, 1, maxLimit)
	if len(problems) > 0 {
		return 0, 0, problems
	}
	return page, limit, nil
}

func (s *Server) listModules(w http.ResponseWriter, r *http.Request) {
	page, limit, err := pageParams(r)
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	offset := maxOffset // an absurd page is simply past the end
	if page-1 < maxOffset/limit {
		offset = (page - 1) * limit
	}
	mods, total, err := s.opts.Store.ListModules(r.Context(), offset, limit)
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	s.rs.OKWithMeta(w, r, mods, respond.Meta{Page: page, Limit: limit, Total: total})
}

func (s *Server) createModule(w http.ResponseWriter, r *http.Request) {
	in, err := validate.Decode[moduleInput](r, withRules)
	if err != nil {
		s.rs.Error(w, r, explain(err))
		return
	}
	var m store.Module
	in.apply(&m)
	m, err = s.opts.Store.CreateModule(r.Context(), m)
	if err != nil {
		s.rs.Error(w, r, err)
		return
	}
	s.hub.publish("module.created", m)
	s.log.InfoContext(r.Context(), "module created", "subject", subject(r), "module_id", m.ID, "version", m.Version)
	w.Header().Set("Location", "/api/modules/"+m.ID.String())
	s.rs.JSON(w, r, http.StatusCreated, m)
}

// moduleID parses the {id} path value; ok is false (and the 404 written)
// when it is not a UUID in its canonical form (lower-case 8-4-4-4-12 hex):
// one module has one URL, so urn:uuid:, braced, upper-case or unhyphenated
// spellings name no module.
func (s *Server) moduleID(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	raw := r.PathValue("id")
	id, err := uuid.Parse(raw)
	if err != nil || id.String() != raw {
		s.rs.Error(w, r, errModuleNotFound)
		return uuid.UUID{}, false
	}
	return id, true
}

func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	var ite *store.InvalidTextError
	switch {
	case errors.Is(err, store.ErrNotFound):
		err = errModuleNotFound
	case errors.As(err, &ite):
		err = validate.Errors{textProblem(ite.Field)}
	}
	s.rs.Error(w, r, err)
}

func (s *Server) getModule(w http.ResponseWriter, r *http.Request) {
	id, ok := s.moduleID(w, r)
	if !ok {
		return
	}
	m, err := s.opts.Store.GetModule(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.rs.OK(w, r, m)
}

func (s *Server) patchModule(w http.ResponseWriter, r *http.Request) {
	id, ok := s.moduleID(w, r)
	if !ok {
		return
	}
	p, err := validate.DecodePatch[moduleInput](r, withRules)
	if err != nil {
		s.rs.Error(w, r, explain(err))
		return
	}
	// A patch that changes nothing (PATCH {}, or the values the module
	// already has) writes nothing: updatedAt and version stay, no event.
	var current store.Module
	m, err := s.opts.Store.UpdateModule(r.Context(), id, func(m *store.Module) error {
		current = *m
		in := inputOf(*m)
		p.Apply(&in)
		in.apply(m)
		if *m == current {
			return errUnchanged
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		s.rs.OK(w, r, current)
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	s.hub.publish("module.updated", m)
	s.log.InfoContext(r.Context(), "module updated", "subject", subject(r), "module_id", m.ID,
		"version", m.Version, "fields", p.Fields())
	s.rs.OK(w, r, m)
}

func (s *Server) deleteModule(w http.ResponseWriter, r *http.Request) {
	id, ok := s.moduleID(w, r)
	if !ok {
		return
	}
	version, err := s.opts.Store.DeleteModule(r.Context(), id)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	gone := deletedModule{ID: id, Deleted: true, Version: version}
	s.hub.publish("module.deleted", gone)
	s.log.InfoContext(r.Context(), "module deleted", "subject", subject(r), "module_id", id, "version", version)
	s.rs.OK(w, r, gone)
}
