"""The API's views: reads (reads.py), writes through the services (writes.py), the schema,
its documentation and the problem types (docs.py). HTTP only: who may see what is
visible_to(user) and access.py, what happens on a write is services/."""
