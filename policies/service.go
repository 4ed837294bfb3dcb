package policies

import (
	"sync"
	"sync/atomic"

	"github.com/earsim/earsim/sim"
)

// Service is the sim.Checker of a long-lived mock (earsim serve): the
// Engine's answers, remembered at two levels, each cache bounded by CacheBytes.
// First by the documents' identity (the Engine's memo: the Machine hands an
// unchanged project over as the same maps), then rule by rule by what each
// rule reads (a RuleMemo), so that a write re-evaluates only the rules that
// read what it changed. The rule memo is prepared in the background once
// the Engine's services have been asked warmUp questions that the identity
// memo could not answer (every rule compiled on its own takes a few hundred
// milliseconds of CPU, which a server asked a few questions does not earn
// back); until it is ready the Engine answers. Both answer alike
// (TestRuleMemoAgreesWithEngine, TestServiceAgreesWithEngine). One memo
// serves every Service of an Engine in the process.
type Service struct {
	engine *Engine
}

var _ sim.Checker = Service{}

// NewService returns the Service of e.
func NewService(e *Engine) Service { return Service{engine: e} }

// warmUp is how many questions the identity memo could not answer before
// the rule memo is prepared.
const warmUp = 200

// serviceMemo is an Engine's memo for services: built once, in the background.
type serviceMemo struct {
	asked atomic.Int64
	once  sync.Once
	ready chan struct{} // closed when memo or err is set
	memo  *RuleMemo
	err   error
}

// startServiceMemo prepares the memo in the background, once. (An error
// leaves the Engine answering; Wait reports it. The embedded policies
// compile rule by rule in every test run.)
func (e *Engine) startServiceMemo() *serviceMemo {
	sm := &e.service
	sm.once.Do(func() {
		sm.ready = make(chan struct{})
		go func() {
			defer close(sm.ready)
			m, err := NewRuleMemo(e)
			if err == nil {
				m.Limit(CacheBytes)
			}
			sm.memo, sm.err = m, err
		}()
	})
	return sm
}

// checker is the rule memo once it is ready, else the Engine; it starts
// preparing the memo at the warmUp-th question.
func (s Service) checker() sim.Checker {
	sm := &s.engine.service
	if sm.asked.Add(1) < warmUp {
		return s.engine
	}
	sm = s.engine.startServiceMemo()
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

// Wait prepares the memo now, waits for it and reports whether it could be
// prepared; the Engine answers meanwhile, and on an error.
func (s Service) Wait() error {
	s.engine.service.asked.Add(warmUp)
	sm := s.engine.startServiceMemo()
	<-sm.ready
	return sm.err
}

// Admit answers an admission question.
func (s Service) Admit(in sim.Input) (sim.Decision, error) {
	return remembered(&s.engine.memo, in, false, func(in sim.Input) (sim.Decision, error) { return s.checker().Admit(in) })
}

// Inspect answers a state question (the state rules read the clock).
func (s Service) Inspect(in sim.Input) (sim.Report, error) {
	return remembered(&s.engine.reports, in, true, func(in sim.Input) (sim.Report, error) { return s.checker().Inspect(in) })
}
