"""AWS adapters: the only modules of the layer that talk to boto3. Domain code receives them."""
