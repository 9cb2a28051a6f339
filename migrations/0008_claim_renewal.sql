-- A worker renews the lease of the rows it holds every few seconds, by its
-- claim token: only claimed pending rows are indexed, so the index stays small.
CREATE INDEX timeline_claim ON timeline (claim_token) WHERE state = 'pending' AND claim_token IS NOT NULL;
