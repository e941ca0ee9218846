"""Our own prompts for every model role of the pipeline (the released prompts are not copied).
Each starts with a ``Job:`` line naming it, so a transcript (or a scripted test model) can tell
them apart."""

from __future__ import annotations

TOOL_RULES = """Rules for every tool:
- one function per reasoning step: it does exactly one reusable thing (a formula, a conversion, \
a lookup of a fixed fact);
- parameters are only str, int, float, bool or list, each with a type annotation; pass anything \
more complex as a JSON string;
- facts the step needs (rates, constants, tables) live as constants in the code, not in the \
parameters;
- a Google-style docstring: a one-line summary, "Args:" with one line per parameter, "Returns:", \
and "Example: name(arg=value, ...)" with literal values;
- it may import only: {imports};
- no file, network or system access; no printing; return the result."""

EXTRACT = """Job: extract-tools
You turn a worked solution into small, general Python tools that would help solve similar \
problems.
{rules}

Write each tool as
<tool>
<tags>topic, subtopic</tags>
```python
def tool_name(x: float, y: float) -> float:
    \"\"\"...\"\"\"
```
</tool>

Question: {question}
Solution: {reasoning}
Answer: {answer}

Write 1 to {max_tools} tools, nothing else."""

REFINE = """Job: refine-tool
A tool written for the question below needs fixing.
{rules}

Question: {question}
Gold answer: {answer}
The tool:
```python
{code}
```
What went wrong: {reason}

Write the corrected tool in the same format (<tool><tags>...</tags> ```python ...``` </tool>), \
nothing else."""

JUDGE_TOOLS = """Job: judge-tools
A solver tried to answer the question below with these tools.
Question: {question}
Gold answer: {answer}
Tools: {tools}
What the solver did:
{digest}

For each tool, say whether it helped reach the gold answer (EFFECTIVE) or not (INEFFECTIVE), \
with a short reason. Reply with only JSON: \
{{"tools": [{{"name": "...", "label": "EFFECTIVE", "reason": "..."}}]}}"""

CLUSTER_SEED = """Job: cluster-seed
Organise these tools into a hierarchy of categories by what they compute (a root, then \
subject, then topic; leaves hold tools). Tools:
{tools}

Reply with only JSON: {{"clusters": [{{"id": "c1", "name": "...", "parent": null}}, \
{{"id": "c2", "name": "...", "parent": "c1"}}]}}"""

CLUSTER_UPDATE = """Job: cluster-update
The current hierarchy of tool categories:
{hierarchy}

New tools:
{tools}

If some new tools fit no category, add categories; rename a category if its name no longer \
fits. Reply with only JSON: {{"operations": [{{"op": "ADD_NODE", "id": "...", "name": "...", \
"parent": "..."}}, {{"op": "MODIFY_NODE", "id": "...", "name": "..."}}]}} (an empty list if \
nothing changes)."""

CLUSTER_ASSIGN = """Job: cluster-assign
Categories (leaves of the hierarchy):
{leaves}

Put each tool in the one category that fits it best. Tools:
{tools}

Reply with only JSON: {{"assign": {{"tool name": "category id"}}}}"""

JSON_REPAIR = """Job: json-repair
This reply should have been JSON matching {shape} but did not parse ({error}):
{reply}
Reply with only the corrected JSON."""

BLUEPRINT = """Job: blueprint
These tools were written one question at a time and overlap. Design a small set of general \
tools that together do everything they do, each general enough to serve many questions \
(parameters instead of hard-coded numbers). Tools of the cluster "{cluster}":
{tools}

Reply with only JSON: {{"tools": [{{"name": "snake_case_name", "description": "...", \
"covers": ["original tool id", ...]}}]}}. Every original tool id must be covered by exactly one \
new tool."""

GENERALIZE = """Job: generalize
Make this design of general tools more general and remove overlaps between them (merge tools \
that do the same thing; keep every original tool id covered exactly once).
{design}

Reply with only JSON in the same shape."""

IMPLEMENT = """Job: implement
Implement this general tool.
Name: {name}
Purpose: {description}
It replaces these specific tools:
{covered}
{rules}
{feedback}
Write it as one <tool> block (<tool><tags>...</tags> ```python ...``` </tool>) defining the \
public function {name} (helpers must start with an underscore), nothing else."""

REVIEW = """Job: review
A solver answered a question using only the general tool below.
Tool {name}: {description}
Question: {question}
Gold answer: {answer}
What the solver did:
{digest}

Did the tool help reach the gold answer? Reply with only JSON: {{"verdict": "PASS" or \
"NEED_PATCHING", "reason": "...", "suggestions": "what to change in the tool, or empty"}}"""

JUDGE_ANSWER = """Job: judge-answer
Gold answer: {gold}
Predicted answer: {pred}
Do they state the same final answer? Reply with only CORRECT or INCORRECT."""
