"""The workbench: the case queue, the case page and its actions, money decisions, and a case's timeline.

- `admin.py`: the queue (the Case changelist), the case page's URLs, the outcome and money decision lists;
- `views.py`: the case page, and the dispatch of its actions;
- `forms.py`: one form per action of the case page;
- `services.py`: each case action as a service; `money.py`: money requests and decisions;
- `queue.py`, `timeline.py`, `selectors.py`: what the queue and the case page read.
"""
