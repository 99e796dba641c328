"""Skills: Markdown know-how loaded on demand (`<name>/SKILL.md`, `references/`), and bundled scripts (`scripts/`)."""

from larkgate.skills.loader import Script, Skill, SkillSet, load_skill_set, load_skills

__all__ = ["Script", "Skill", "SkillSet", "load_skill_set", "load_skills"]
