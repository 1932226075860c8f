#include "listener.h"

#include "agent.h"
#include "request.h"

/* A PolkitAgentListener that hands every request to request_start(). */
typedef struct {
	PolkitAgentListener parent;
	struct agent *agent;
} PantherListener;

typedef struct {
	PolkitAgentListenerClass parent_class;
} PantherListenerClass;

G_DEFINE_TYPE(PantherListener, panther_listener, POLKIT_AGENT_TYPE_LISTENER)

static void initiate_authentication(PolkitAgentListener *listener, const gchar *action_id,
	const gchar *message, const gchar *icon_name, PolkitDetails *details, const gchar *cookie,
	GList *identities, GCancellable *cancellable, GAsyncReadyCallback callback,
	gpointer user_data)
{
	PantherListener *self = (PantherListener *)listener;
	struct request_params params = {
		.action_id = action_id,
		.message = message,
		.details = details,
		.cookie = cookie,
		.identities = identities,
		.cancellable = cancellable,
		.task = g_task_new(listener, cancellable, callback, user_data),
	};
	request_start(self->agent, &params);
}

static gboolean initiate_authentication_finish(PolkitAgentListener *listener, GAsyncResult *result,
	GError **error)
{
	return g_task_propagate_boolean(G_TASK(result), error);
}

static void panther_listener_init(PantherListener *self)
{
}

static void panther_listener_class_init(PantherListenerClass *klass)
{
	PolkitAgentListenerClass *listener_class = POLKIT_AGENT_LISTENER_CLASS(klass);
	listener_class->initiate_authentication = initiate_authentication;
	listener_class->initiate_authentication_finish = initiate_authentication_finish;
}

PolkitAgentListener *panther_listener_new(struct agent *agent)
{
	PantherListener *self = g_object_new(panther_listener_get_type(), NULL);
	self->agent = agent;
	return POLKIT_AGENT_LISTENER(self);
}
