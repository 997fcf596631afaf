"""The "Hands-on practices" table of the book, generated from the exercise registry."""

from __future__ import annotations

from neurocourse.grading.registry import all_exercises


def practices_markdown(link_prefix: str = "../exercises/") -> str:
    """A Markdown table with one row per exercise: title, what it practises, seed problem, notebook link.

    Parameters
    ----------
    link_prefix : str
        Prefix of the notebook links, relative to the page that shows the table.
    """
    rows = [
        "| exercise | what it practises | seed problem | notebook |",
        "|---|---|---|---|",
    ]
    for ex in all_exercises():
        funcs = ", ".join(f"`{f}`" for f in ex.functions)
        link = f"[{ex.notebook}]({link_prefix}{ex.notebook}.ipynb)"
        rows.append(
            f"| **{ex.title}** <br> `{ex.id}`, {ex.max_points:g} points | {ex.practises} You write {funcs}. "
            f"| {ex.seed_problem} | {link} |"
        )
    return "\n".join(rows)
