package policies

import (
	"sync"

	"github.com/earsim/earsim/sim"
)

// Service is the sim.Checker of a long-lived mock (earsim serve): the
// Engine's answers, from a RuleMemo bounded by CacheBytes, which remembers
// each rule's answer by what that rule reads, so that a write re-evaluates
// only the rules that read what it changed. The memo is prepared in the
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

// checker is the memo once it is ready, else the Engine.
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

// Wait waits for the memo and reports whether it could be prepared; the
// Engine answers meanwhile, and on an error.
func (s Service) Wait() error {
	sm := s.engine.serviceMemo()
	<-sm.ready
	return sm.err
}

// Admit answers an admission question.
func (s Service) Admit(in sim.Input) (sim.Decision, error) { return s.checker().Admit(in) }

// Inspect answers a state question.
func (s Service) Inspect(in sim.Input) (sim.Report, error) { return s.checker().Inspect(in) }
