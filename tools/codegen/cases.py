"""Test data for the generated codec (placeholder)."""


def gen_cases_hpp(front, model):
    raise NotImplementedError
