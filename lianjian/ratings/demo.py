FIGURES: tuple = ()
