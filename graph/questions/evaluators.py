"""What the co-evaluation questions read into the ontology's evaluator and assessment-kind schemes.

The schemes (``EvaluatorScheme``, ``AssessmentKindScheme``) list the allowed
values; the rules below give three of them a meaning. They are named here, once,
and checked against the ontology (``check``), so renaming a value in the
ontology fails loudly instead of silently changing an answer.

* Only the school's and the enterprises' evaluations judge whether a competency
  was reached; students' self-evaluations (学生自评) are reflections: they are
  shown, and never count on their own.
* A summative evaluation (终结性评价) concludes what process evaluations
  (过程性评价) follow, so a cohort's summative results take precedence.

Examples
--------
>>> from ontology.schema import load_schema
>>> check(load_schema())
>>> judges("school"), judges("self"), judges(None)
(True, False, False)
"""

from __future__ import annotations

from ontology.schema import Schema, SchemaError

SELF, SCHOOL, ENTERPRISE = "self", "school", "enterprise"
PROCESS, SUMMATIVE = "process", "summative"
_NEEDED = {"EvaluatorScheme": (SELF, SCHOOL, ENTERPRISE), "AssessmentKindScheme": (PROCESS, SUMMATIVE)}


def check(schema: Schema) -> None:
    """Raise ``SchemaError`` when the ontology lacks a value these rules give a meaning to."""
    for scheme, values in _NEEDED.items():
        known = schema.enumeration(scheme).notations
        missing = [v for v in values if v not in known]
        if missing:
            raise SchemaError(f"{scheme} lacks {', '.join(missing)}, which the co-evaluation rules rely on")


def judges(evaluator: str | None) -> bool:
    """Whether an evaluation by ``evaluator`` judges attainment (the school's or an enterprise's)."""
    return evaluator in (SCHOOL, ENTERPRISE)


def evaluator_order(schema: Schema, evaluator: str | None) -> int:
    """Sort key: the ontology's order of evaluators, unknown ones last."""
    notations = schema.enumeration("EvaluatorScheme").notations
    return notations.index(evaluator) if evaluator in notations else len(notations)
