/* test_idset.c — the set of content ids behind --replace-labels. */
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
#include "grym/idset.h"

static void make_id(unsigned n, char id[GRYM_ID_LEN + 1])
{
	/* distinct ids that share their first 16 characters in runs of 4,
	 * so collisions in the table are exercised */
	snprintf(id, GRYM_ID_LEN + 1, "%016x%048u", n / 4, n);
}

int main(void)
{
	tap_plan(12);
	char id[GRYM_ID_LEN + 1];
	grym_idset *s = grym_idset_new();
	TAP_OK(s != NULL, "a new set");
	TAP_EQ_INT(grym_idset_count(s), 0, "empty");
	make_id(7, id);
	TAP_EQ_INT(grym_idset_has(s, id), 0, "an empty set has nothing");
	TAP_EQ_INT(grym_idset_add(s, id), 1, "first add");
	TAP_EQ_INT(grym_idset_add(s, id), 0, "second add of the same id");
	TAP_EQ_INT(grym_idset_has(s, id), 1, "has it");
	int added = 0, again = 0, missing = 0;
	for (unsigned i = 0; i < 5000; i++) {   /* through several growths */
		make_id(i, id);
		added += grym_idset_add(s, id) == 1;
	}
	for (unsigned i = 0; i < 5000; i++) {
		make_id(i, id);
		again += grym_idset_add(s, id) == 0;
		missing += !grym_idset_has(s, id);
	}
	TAP_EQ_INT(added, 4999, "4999 new ids added (7 was there)");
	TAP_EQ_INT(again, 5000, "each is found when added again");
	TAP_EQ_INT(missing, 0, "each is in the set");
	TAP_EQ_INT(grym_idset_count(s), 5000, "5000 ids");
	make_id(5000, id);
	TAP_EQ_INT(grym_idset_has(s, id), 0, "an id never added is not in the set");
	TAP_EQ_INT(grym_idset_add(s, ""), -1, "an empty id is refused");
	grym_idset_free(s);
	grym_idset_free(NULL);
	return tap_done();
}
