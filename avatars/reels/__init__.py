"""The reel: an animation from the selfie through each version on the path to the current one
(encode), made by a job on demand and kept per path (services, tasks), served to its owner
(api) and on a shared page."""
