meta datasets/studies/ha-knee-vas-12wk.csv --measure MD --format json
