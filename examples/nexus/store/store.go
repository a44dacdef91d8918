package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// ErrNotFound is returned when the requested module does not exist.
var ErrNotFound = errors.New("store: not found")

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
}

// SafetyStatus is the system-wide safety status, a singleton. Every score is
// a percentage from 0 to 100.
type SafetyStatus struct {
	EthicalCompliance    int       `json:"ethicalCompliance"`
	ValueAlignment       int       `json:"valueAlignment"`
	HarmPrevention       int       `json:"harmPrevention"`
	Transparency         int       `json:"transparency"`
	HumanOversight       int       `json:"humanOversight"`
	ContainmentIntegrity int       `json:"containmentIntegrity"`
	UpdatedAt            time.Time `json:"updatedAt"`
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
	// CreateModule stores m with a new UUID and the current time as its
	// timestamps (any ID or timestamps in m are ignored) and returns it.
	CreateModule(ctx context.Context, m Module) (Module, error)
	// GetModule returns the module or ErrNotFound.
	GetModule(ctx context.Context, id uuid.UUID) (Module, error)
	// UpdateModule loads the module, lets update change it, and stores the
	// result with a new UpdatedAt, atomically. An error from update aborts
	// the change and is returned as is. ErrNotFound when there is no module.
	UpdateModule(ctx context.Context, id uuid.UUID, update func(*Module) error) (Module, error)
	// DeleteModule removes the module or returns ErrNotFound.
	DeleteModule(ctx context.Context, id uuid.UUID) error
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
	return m, nil
}
