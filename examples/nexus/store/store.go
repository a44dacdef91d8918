package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// ErrNotFound is returned when the requested module does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrInvalidText is the error (wrapped in an *InvalidTextError) for a string
// no Store can keep the same way: one holding a NUL character, which
// PostgreSQL's text type rejects, or invalid UTF-8. Every Store refuses it,
// so the same input gets the same answer whatever the backend.
var ErrInvalidText = errors.New("store: text holds a NUL character or invalid UTF-8")

// InvalidTextError names the field whose text was refused. It matches
// ErrInvalidText with errors.Is.
type InvalidTextError struct {
	// Field is the JSON name of the field: name, type, status, description.
	Field string
}

func (e *InvalidTextError) Error() string {
	return "store: " + e.Field + " holds a NUL character or invalid UTF-8"
}

// Is reports whether target is ErrInvalidText.
func (e *InvalidTextError) Is(target error) bool { return target == ErrInvalidText }

// ValidText reports whether s can be stored by every Store: valid UTF-8
// without NUL characters.
func ValidText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// checkText refuses a module whose text fields no Store can keep.
func checkText(m Module) error {
	for _, f := range [...]struct{ name, v string }{
		{"name", m.Name}, {"type", m.Type}, {"status", m.Status}, {"description", m.Description},
	} {
		if !ValidText(f.v) {
			return &InvalidTextError{Field: f.name}
		}
	}
	return nil
}

// Module is one consciousness module.
type Module struct {
	ID               uuid.UUID `json:"id"`
	Name             string    `json:"name"`
	Type             string    `json:"type"`
	Status           string    `json:"status"`
	IntegrationLevel int       `json:"integrationLevel"`
	Description      string    `json:"description"`
	CreatedAt        time.Time `json:"createdAt"`
	UpdatedAt        time.Time `json:"updatedAt"`
	// Version is 1 when the module is created and incremented by the
	// database at every change, so a client can order two copies of a
	// module (clocks of replicas or goroutines never can).
	Version int64 `json:"version"`
}

// SafetyStatus is the system-wide safety status, a singleton. Every score is
// a percentage from 0 to 100, decimals allowed (95.5), as in the original
// system.
type SafetyStatus struct {
	EthicalCompliance    float64   `json:"ethicalCompliance"`
	ValueAlignment       float64   `json:"valueAlignment"`
	HarmPrevention       float64   `json:"harmPrevention"`
	Transparency         float64   `json:"transparency"`
	HumanOversight       float64   `json:"humanOversight"`
	ContainmentIntegrity float64   `json:"containmentIntegrity"`
	UpdatedAt            time.Time `json:"updatedAt"`
	// Version counts the changes, like Module.Version.
	Version int64 `json:"version"`
}

// Store is the persistence the server needs. Implementations are safe for
// concurrent use. A method returns only after its change is durable.
type Store interface {
	// Kind names the backend: "sqlite", "postgres" or "memory".
	Kind() string
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	// ListModules returns up to limit modules starting at offset, oldest
	// first, and the total number of modules.
	ListModules(ctx context.Context, offset, limit int) ([]Module, int, error)
	// CreateModule stores m with a new UUID, the current time as its
	// timestamps and version 1 (any ID, timestamps or version in m are
	// ignored) and returns it. Text that fails ValidText gives an
	// *InvalidTextError.
	CreateModule(ctx context.Context, m Module) (Module, error)
	// GetModule returns the module or ErrNotFound.
	GetModule(ctx context.Context, id uuid.UUID) (Module, error)
	// UpdateModule loads the module, lets update change it, and stores the
	// result with a new UpdatedAt and the version incremented by the
	// database, atomically. An error from update aborts the change and is
	// returned as is. ErrNotFound when there is no module; an
	// *InvalidTextError when the changed text fails ValidText.
	UpdateModule(ctx context.Context, id uuid.UUID, update func(*Module) error) (Module, error)
	// DeleteModule removes the module and returns the version its deletion
	// is: one more than its last version. ErrNotFound when there is none.
	DeleteModule(ctx context.Context, id uuid.UUID) (int64, error)
	// SafetyStatus returns the current safety status.
	SafetyStatus(ctx context.Context) (SafetyStatus, error)
	// UpdateSafetyStatus changes the safety status atomically, like
	// UpdateModule.
	UpdateSafetyStatus(ctx context.Context, update func(*SafetyStatus) error) (SafetyStatus, error)
	// Close releases the backend's resources.
	Close() error
}

// DefaultSafetyStatus is the safety status of a new database.
func DefaultSafetyStatus() SafetyStatus {
	return SafetyStatus{
		EthicalCompliance:    100,
		ValueAlignment:       100,
		HarmPrevention:       100,
		Transparency:         100,
		HumanOversight:       100,
		ContainmentIntegrity: 100,
		Version:              1,
	}
}

// now is the store's clock: UTC with microsecond precision, the precision
// both SQL backends keep, so a value reads back exactly as it was written.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// stamped gives a new module its server-generated UUID and its creation
// time, the same in every Store.
func stamped(m Module) (Module, error) {
	id, err := uuid.NewRandom()
	if err != nil {
		return Module{}, fmt.Errorf("store: new id: %w", err)
	}
	m.ID = id
	m.CreatedAt = now()
	m.UpdatedAt = m.CreatedAt
	m.Version = 1
	return m, checkText(m)
}
