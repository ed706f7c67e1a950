"""LazyRandom gives exactly random.Random(seed)'s draws, whether it replays or keeps its state."""

import copy
import pickle
import random

from mip6lab.sim.kernel import LazyRandom, Simulator

CALLS = [
    ("getrandbits", (64,)),
    ("uniform", (0.0, 1.0)),
    ("randbytes", (16,)),
    ("randint", (1, 1000)),
    ("random", ()),
    ("randrange", (1 << 16,)),
    ("getrandbits", (32,)),
    ("randbytes", (3,)),
]


def test_same_sequence_as_random_through_replay_and_kept_state() -> None:
    for seed in ("0/esp/mn1", 12345678901234567):
        ref, lazy = random.Random(seed), LazyRandom(seed)
        for name, args in CALLS:
            assert getattr(lazy, name)(*args) == getattr(ref, name)(*args), (seed, name)
        assert lazy._rng is not None  # past REPLAY_LIMIT: kept


def test_no_state_held_while_rarely_used() -> None:
    lazy = LazyRandom("x")
    lazy.getrandbits(64)
    assert lazy._rng is None and len(lazy._log) == 1


def test_other_methods_keep_the_generator_after_replaying() -> None:
    ref, lazy = random.Random("y"), LazyRandom("y")
    assert lazy.random() == ref.random()
    assert lazy.choice("abcdefgh") == ref.choice("abcdefgh")
    assert lazy.getstate() == ref.getstate()


def test_lazy_child_rng_matches_child_rng() -> None:
    sim = Simulator(seed=7)
    assert sim.lazy_child_rng("esp/mn").getrandbits(64) == sim.child_rng("esp/mn").getrandbits(64)


def test_copy_and_pickle_continue_the_sequence() -> None:
    ref, lazy = random.Random("z"), LazyRandom("z")
    assert lazy.random() == ref.random()
    want = ref.random()
    for other in (copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy))):
        assert other.random() == want
