"""Reports built from the stored history and the rules: the compliance report (`compliance`, shown
by `output` as JSON/CSV/text and by `html` as a printable page) and the rules backtest (`backtest`).

Reads only: nothing here queues, sends or changes a stored row.
"""
