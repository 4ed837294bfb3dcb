package policies

import (
	"sync"

	"github.com/earsim/earsim/sim"
)

// Service is the sim.Checker of a long-lived mock (earsim serve): the
// Engine's answers, remembered at two levels, each bounded by CacheBytes.
// First by the documents' identity (the Engine's memo: the Machine hands an
// unchanged project over as the same maps), then rule by rule by what each
// rule reads (a RuleMemo), so that a write re-evaluates only the rules that
// read what it changed. The rule memo is prepared in the
// background on first use (every rule compiled on its own takes a few
// hundred milliseconds); until it is ready the Engine answers. Both answer
// alike (TestRuleMemoAgreesWithEngine, TestServiceAgreesWithEngine). One
// memo serves every Service of an Engine in the process.
type Service struct {
	engine *Engine
}

var _ sim.Checker = Service{}

// NewService returns the Service of e.
func NewService(e *Engine) Service { return Service{engine: e} }

// serviceMemo is an Engine's memo for services: built once, in the background.
type serviceMemo struct {
	once  sync.Once
	ready chan struct{}
	memo  *RuleMemo
	err   error
}

func (e *Engine) serviceMemo() *serviceMemo {
	e.service.once.Do(func() {
		e.service.ready = make(chan struct{})
		go func() {
			defer close(e.service.ready)
			m, err := NewRuleMemo(e)
			if err == nil {
				m.Limit(CacheBytes)
			}
			e.service.memo, e.service.err = m, err
		}()
	})
	return &e.service
}

// checker is the rule memo once it is ready, else the Engine.
func (s Service) checker() sim.Checker {
	sm := s.engine.serviceMemo()
	select {
	case <-sm.ready:
		if sm.err == nil {
			return sm.memo
		}
	default:
	}
	return s.engine
}

// remembered answers from the identity memo, or asks the rule memo and
// remembers its answer.
func remembered[V any](c *identityMemo[V], in sim.Input, withClock bool, ask func(sim.Input) (V, error)) (V, error) {
	key, ok := c.key(in, withClock)
	if ok {
		if v, hit := c.get(key); hit {
			return v, nil
		}
	}
	v, err := ask(in)
	if err == nil && ok {
		c.put(key, in, v)
	}
	return v, err
}

// Wait waits for the memo and reports whether it could be prepared; the
// Engine answers meanwhile, and on an error.
func (s Service) Wait() error {
	sm := s.engine.serviceMemo()
	<-sm.ready
	return sm.err
}

// Admit answers an admission question.
func (s Service) Admit(in sim.Input) (sim.Decision, error) {
	return remembered(&s.engine.memo, in, false, s.checker().Admit)
}

// Inspect answers a state question (the state rules read the clock).
func (s Service) Inspect(in sim.Input) (sim.Report, error) {
	return remembered(&s.engine.reports, in, true, s.checker().Inspect)
}
