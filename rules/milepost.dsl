# Milepost's plain-English phrases for rules (*.dslr files that say "expander milepost.dsl").
# Longer phrases first: a line is matched against them in this order.
[condition][]The user did "{event}" at least {n} times within {days} days of signup=Activity( event == "{event}", countWithin({days}) >= {n} )
[condition][]The user did "{event}" at least {n} times in the last {days} days=Activity( event == "{event}", countInLast({days}) >= {n} )
[condition][]The user did "{event}" on at least {n} of the last {days} days=Activity( event == "{event}", activeDaysInLast({days}) >= {n} )
[condition][]The user did "{event}" in at least {n} of the last {weeks} weeks=Activity( event == "{event}", activeWeeksInLast({weeks}) >= {n} )
[condition][]The user did "{event}" at least {n} times=Activity( event == "{event}", count >= {n} )
[condition][]The user did "{event}"=Activity( event == "{event}" )
[condition][]The user never did "{event}"=not Activity( event == "{event}" )
[condition][]The user has reached "{milestone}"=Milestone( name == "{milestone}" )
[condition][]The user has not reached "{milestone}"=not Milestone( name == "{milestone}" )
[condition][]The user is stalled at "{milestone}"=Stalled( milestone == "{milestone}" )
[condition][]The user's account "{trait}" is "{value}"=Account( trait("{trait}") == "{value}" )
[condition][]The user's "{trait}" is "{value}"=User( trait("{trait}") == "{value}" )
[condition][]The user's "{trait}" is not "{value}"=User( trait("{trait}") != "{value}" )
[condition][]The user signed up at least {days} days ago=User( daysSinceSignup >= {days} )
[condition][]The event is "{event}" with "{property}" set to "{value}"=Event( name == "{event}", property("{property}") == "{value}" )
[condition][]The event is "{event}"=Event( name == "{event}" )
[consequence][]Record the milestone "{milestone}"=reach("{milestone}");
[consequence][]Trigger "{action}" with "{key}" set to "{value}"=trigger("{action}", Map.of("{key}", "{value}"));
[consequence][]Trigger "{action}"=trigger("{action}");
