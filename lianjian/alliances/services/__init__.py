"""Alliances writes, by flow: alliances and bodies, meetings, proposals and votes, tasks,
agreements. Every page, API route, command and the demo builder call these."""
