"""Self-play training of victims: self-play, the replay buffer, the learner and the trainer that drives them."""
