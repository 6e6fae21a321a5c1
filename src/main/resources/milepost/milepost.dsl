# Milepost's built-in plain-English phrases, available to every *.dslr rule file.
# A rules folder may add phrases in a *.dsl file of its own, or replace these with its own milepost.dsl.
#
# Each line: [condition] (a phrase after "when"), [consequence] (after "then") or [metadata] (between
# the rule's name and "when"), then [], then the phrase, "=", and the rule code it stands for. In a phrase:
#   {event}, {milestone}, {trait}, ... between quotes take any text without quotes;
#   {n}, {days}, {weeks}, {hours}, {minutes}, {percent} take whole numbers;
#   {values} takes one or more quoted values joined by "or" or commas ("pro" or "team");
#   {entries} takes "key" set to "value" pairs joined by "and" or commas.
# Matching ignores letter case and spacing, and accepts "1 time" for "times" (and day, week, ...).
# A line is matched against the phrases in this order; the first that matches the whole line is used.
[condition][]The user did "{event}" with "{property}" set to "{value}" at least {n} times within {days} days of signup=Activity( event == "{event}", countWhereWithin("{property}", "{value}", {days}) >= {n} )
[condition][]The user did "{event}" with "{property}" set to "{value}" at least {n} times in the last {days} days=Activity( event == "{event}", countWhereInLast("{property}", "{value}", {days}) >= {n} )
[condition][]The user did "{event}" with "{property}" set to "{value}" at least {n} times=Activity( event == "{event}", countWhere("{property}", "{value}") >= {n} )
[condition][]The user did "{event}" with at least {n} different "{property}" values within {days} days of signup=Activity( event == "{event}", distinctWithin("{property}", {days}) >= {n} )
[condition][]The user did "{event}" with at least {n} different "{property}" values in the last {days} days=Activity( event == "{event}", distinctInLast("{property}", {days}) >= {n} )
[condition][]The user did "{event}" with at least {n} different "{property}" values=Activity( event == "{event}", distinct("{property}") >= {n} )
[condition][]The user did "{event}" with a total "{property}" of at least {n} within {days} days of signup=Activity( event == "{event}", sumWithin("{property}", {days}) >= {n} )
[condition][]The user did "{event}" with a total "{property}" of at least {n} in the last {days} days=Activity( event == "{event}", sumInLast("{property}", {days}) >= {n} )
[condition][]The user did "{event}" with a total "{property}" of at least {n}=Activity( event == "{event}", sum("{property}") >= {n} )
[condition][]The user did "{event}" at least {n} times within {hours} hours of signup=Activity( event == "{event}", countWithinHours({hours}) >= {n} )
[condition][]The user did "{event}" at least {n} times within {days} days of signup=Activity( event == "{event}", countWithin({days}) >= {n} )
[condition][]The user did "{event}" at least {n} times in the last {days} days=Activity( event == "{event}", countInLast({days}) >= {n} )
[condition][]The user did "{event}" on at least {n} of the last {days} days=Activity( event == "{event}", activeDaysInLast({days}) >= {n} )
[condition][]The user did "{event}" in at least {n} of the last {weeks} weeks=Activity( event == "{event}", activeWeeksInLast({weeks}) >= {n} )
[condition][]The user did "{event}" at least {n} times=Activity( event == "{event}", count >= {n} )
[condition][]The user did "{event}" fewer than {n} times=not Activity( event == "{event}", count >= {n} )
[condition][]The user did "{event}"=Activity( event == "{event}" )
[condition][]The user never did "{event}"=not Activity( event == "{event}" )
[condition][]The user has reached "{milestone}"=Milestone( name == "{milestone}" )
[condition][]The user has not reached "{milestone}"=not Milestone( name == "{milestone}" )
[condition][]The user is stalled at "{milestone}"=Stalled( milestone == "{milestone}" )
[condition][]The user's account "{trait}" is "{value}"=Account( trait("{trait}") == "{value}" )
[condition][]The user's account "{trait}" is {values}=Account( trait("{trait}") in ({values}) )
[condition][]The user's account "{trait}" is not {values}=not Account( trait("{trait}") in ({values}) )
[condition][]The user's "{trait}" is "{value}"=User( trait("{trait}") == "{value}" )
[condition][]The user's "{trait}" is {values}=User( trait("{trait}") in ({values}) )
[condition][]The user's "{trait}" is not "{value}"=User( trait("{trait}") != "{value}" )
[condition][]The user's "{trait}" is not {values}=User( trait("{trait}") not in ({values}) )
[condition][]The user's "{trait}" is known=User( trait("{trait}") != null )
[condition][]The user signed up at least {days} days ago=User( daysSinceSignup >= {days} )
[condition][]The user signed up less than {days} days ago=User( daysSinceSignup < {days} )
[condition][]The event is "{event}" with "{property}" set to "{value}"=Event( name == "{event}", property("{property}") == "{value}" )
[condition][]The event is "{event}" with "{property}" set to {values}=Event( name == "{event}", property("{property}") in ({values}) )
[condition][]The event is "{event}"=Event( name == "{event}" )
[consequence][]Record the milestone "{milestone}"=reach("{milestone}");
[consequence][]Trigger "{action}" with "{key}" set to "{value}"=trigger("{action}", Map.of("{key}", "{value}"));
[consequence][]Trigger "{action}" with {entries}=trigger("{action}", Map.of({entries}));
[consequence][]Trigger "{action}"=trigger("{action}");
[metadata][]Milestone "{milestone}"=@milestone("{milestone}")
[metadata][]Step {n} of the journey=@order({n})
[metadata][]Reached within {days} days=@within("{days}d")
[metadata][]Reached within {hours} hours=@within("{hours}h")
[metadata][]Counted from "{milestone}"=@after("{milestone}")
[metadata][]Every {days} days=@every("{days}d")
[metadata][]Every {hours} hours=@every("{hours}h")
[metadata][]At most once every {days} days=@repeat("{days}d")
[metadata][]Keep {percent}% of users as a control group=@holdout("{percent}%")
