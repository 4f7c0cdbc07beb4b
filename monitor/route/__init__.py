"""Who gets an alert: classification + rules → alerts per kommune and channel, and incident threads.

`recipients.route` maps a classified change to alerts (with the reason each kommune gets it);
`threads` matches a follow-up or resolution to the incident it belongs to (pure); `incidents`
adds the recent history that matching needs from the store; `sameevent` finds the notice another
source already carries; `storm` holds back a flood of new notices for one summary. `explain` and
`dryrun` build what `rules explain` and `rules test` show. Nothing here renders or sends.
"""
