"""Label and object vocabularies of 50 Salads, shared by the simulation and the loaders."""

from __future__ import annotations

import re

__all__ = [
    "BACKGROUND",
    "EVAL_MAPPING",
    "HIGH_LEVEL_ACTIONS",
    "KITCHEN_OBJECTS",
    "MID_LEVEL_ACTIONS",
    "subject_from_trial",
]

BACKGROUND = "background"

#: The 17 mid-level actions of 50 Salads (low-level ``_prep/_core/_post`` phases merged), sorted.
MID_LEVEL_ACTIONS = (
    "add_dressing",
    "add_oil",
    "add_pepper",
    "add_salt",
    "add_vinegar",
    "cut_cheese",
    "cut_cucumber",
    "cut_lettuce",
    "cut_tomato",
    "mix_dressing",
    "mix_ingredients",
    "peel_cucumber",
    "place_cheese_into_bowl",
    "place_cucumber_into_bowl",
    "place_lettuce_into_bowl",
    "place_tomato_into_bowl",
    "serve_salad_onto_plate",
)

#: The high-level activities that the annotation files mix with the low-level ones.
HIGH_LEVEL_ACTIONS = ("cut_and_mix_ingredients", "prepare_dressing", "serve_salad")

#: Mid level -> "eval" level: 9 actions plus background (the 10 classes of Lea et al.).
EVAL_MAPPING = {
    "add_dressing": "add_dressing",
    "add_oil": "add_oil",
    "add_pepper": "add_pepper",
    "add_salt": BACKGROUND,
    "add_vinegar": BACKGROUND,
    "cut_cheese": "cut",
    "cut_cucumber": "cut",
    "cut_lettuce": "cut",
    "cut_tomato": "cut",
    "mix_dressing": "mix_dressing",
    "mix_ingredients": "mix_ingredients",
    "peel_cucumber": "peel_cucumber",
    "place_cheese_into_bowl": "place",
    "place_cucumber_into_bowl": "place",
    "place_lettuce_into_bowl": "place",
    "place_tomato_into_bowl": "place",
    "serve_salad_onto_plate": "serve_salad_onto_plate",
    BACKGROUND: BACKGROUND,
}

#: The instrumented kitchen objects of the simulation, sorted (the node order).
KITCHEN_OBJECTS = (
    "bowl",
    "chopping_board",
    "dressing_glass",
    "knife",
    "large_spoon",
    "oil_bottle",
    "peeler",
    "pepper_dispenser",
    "plate",
    "small_spoon",
)

_TRIAL_RE = re.compile(r"^(?:rgb-)?(\d+)-(\d+)$")


def subject_from_trial(trial):
    """Subject id of a 50 Salads trial name (``"rgb-03-2"`` or ``"03-2"`` -> 3), else None."""
    match = _TRIAL_RE.match(trial)
    return int(match.group(1)) if match else None
