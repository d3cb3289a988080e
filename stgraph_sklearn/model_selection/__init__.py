"""Comparing segmenters: subject-disjoint evaluation with scores, size and speed."""

from ._compare import count_parameters, evaluate_segmenters, fit_and_score, summarize_evaluation

__all__ = ["count_parameters", "evaluate_segmenters", "fit_and_score", "summarize_evaluation"]
